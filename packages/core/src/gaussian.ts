import { InvalidArgumentError } from './errors.js';
import type { Rng } from './rng.js';
import { tf } from './tf.js';

// Diagonal Gaussians parameterised by mean and log standard deviation, elementwise.

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log N(x; mean, exp(logStd)^2), elementwise, in nats. */
export function gaussianLogProb(x: tf.Tensor, mean: tf.Tensor, logStd: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.mul(tf.sub(x, mean), tf.exp(tf.neg(logStd)));
    return tf.sub(tf.neg(tf.add(logStd, HALF_LOG_2PI)), tf.mul(0.5, tf.square(z)));
  });
}

/** KL(q || p) between diagonal Gaussians, elementwise, in nats (analytic). */
export function gaussianKl(qMean: tf.Tensor, qLogStd: tf.Tensor, pMean: tf.Tensor, pLogStd: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // log(sp/sq) + (sq^2 + (mq - mp)^2) / (2 sp^2) - 1/2
    const varRatio = tf.exp(tf.mul(2, tf.sub(qLogStd, pLogStd)));
    const meanTerm = tf.square(tf.mul(tf.sub(qMean, pMean), tf.exp(tf.neg(pLogStd))));
    return tf.add(tf.sub(pLogStd, qLogStd), tf.mul(0.5, tf.sub(tf.add(varRatio, meanTerm), 1)));
  });
}

/** mean + temperature * exp(logStd) * eps, eps ~ N(0, I) from the seeded generator. */
export function gaussianSample(
  mean: tf.Tensor,
  logStd: tf.Tensor,
  options: { rng: Rng; temperature?: number },
): tf.Tensor {
  const temperature = options.temperature ?? 1;
  if (!(temperature >= 0)) throw new InvalidArgumentError(`temperature must be >= 0, got ${temperature}`);
  return tf.tidy(() => {
    const eps = options.rng.normalTensor(mean.shape);
    return tf.add(mean, tf.mul(tf.mul(tf.exp(logStd), temperature), eps));
  });
}

import { type Adam, tf } from '@scalespace/core';

export type PenaltyNorm = 'pixel' | 'sample';

export interface GradientPenaltyOptions {
  /** The critic: images -> scores (any shape; the penalty differentiates their sum). */
  critic: (x: tf.Tensor4D) => tf.Tensor;
  real: tf.Tensor4D;
  fake: tf.Tensor4D;
  /** Interpolation weights in [0, 1]: a scalar or [N, 1, 1, 1]. */
  alpha: tf.Tensor;
  /**
   * 'pixel': the gradient norm over channels at each pixel, averaged over pixels (SinGAN's
   * fully-convolutional critic); 'sample': the norm over each whole sample, averaged over the batch.
   */
  norm: PenaltyNorm;
}

/**
 * WGAN-GP's gradient penalty E[(||grad_x D(x_hat)|| - 1)^2] at x_hat = alpha real + (1 - alpha) fake.
 * Differentiable with respect to the critic's variables (double backprop), so it can be minimised.
 */
export function gradientPenalty(options: GradientPenaltyOptions): tf.Scalar {
  const { critic, real, fake, alpha, norm } = options;
  return tf.tidy(() => {
    const mixed = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake)) as tf.Tensor4D;
    const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(mixed);
    const squares = tf.square(grad);
    const sumSq = norm === 'pixel' ? tf.sum(squares, -1) : tf.sum(squares, [1, 2, 3]);
    // The epsilon keeps sqrt's gradient finite where the critic is flat.
    const lengths = tf.sqrt(tf.add(sumSq, 1e-12));
    return tf.mean(tf.square(tf.sub(lengths, 1))) as tf.Scalar;
  });
}

/**
 * One optimiser step on `loss()`. `loss` may `record(name, scalar)` parts to report; their values
 * come back as numbers (with `loss`).
 */
export async function optimizerStep(
  optimizer: Adam,
  loss: (record: (name: string, value: tf.Tensor) => void) => tf.Scalar,
): Promise<Record<string, number>> {
  const kept: Array<[string, tf.Tensor]> = [];
  const record = (name: string, value: tf.Tensor) => {
    kept.push([name, tf.keep(value)]);
  };
  const { value, grads } = tf.variableGrads(() => loss(record), optimizer.variables);
  optimizer.step(optimizer.variables.map((v) => grads[v.name] ?? null));
  try {
    const out: Record<string, number> = { loss: (await value.data())[0] };
    for (const [name, t] of kept) out[name] = (await t.data())[0];
    return out;
  } finally {
    tf.dispose([value, ...Object.values(grads), ...kept.map(([, t]) => t)]);
  }
}

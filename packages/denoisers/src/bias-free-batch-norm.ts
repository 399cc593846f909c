import { InvalidArgumentError, Module, type Rng, tf } from '@scalespace/core';

export interface BiasFreeBatchNormOptions {
  channels: number;
  /** Weight of the newest batch in the running standard deviation (default 0.1). */
  momentum?: number;
  /** Added to the batch variance in training mode (default 1e-5). Inference never adds it. */
  epsilon?: number;
  /** Draws the initial gains; without it every gain starts at 1. */
  rng?: Rng;
}

/**
 * Bias-free batch normalisation (Mohan et al. 2020): divides each channel by a standard deviation and
 * multiplies it by a learned gain. No mean is subtracted and no offset added, so the layer is
 * homogeneous of order 1 in inference mode: BN(a x) = a BN(x). Training mode divides by the batch's
 * own std (over batch and space) and records it; `commitStatistics()` then folds the recorded values
 * into the running std that inference uses. Keeping the update out of `forward` lets gradients be
 * taken without side effects.
 */
export class BiasFreeBatchNorm extends Module {
  readonly gain: tf.Variable;
  readonly runningStd: tf.Variable;
  readonly momentum: number;
  readonly epsilon: number;
  /**
   * Use the running std in training mode too (the gain still learns). Freezing the statistics for the last
   * part of training makes the trained function the one inference uses; with small batches whose noise
   * levels differ, per-batch normalisation otherwise lets a network learn cancellations that only hold
   * for the batch's own std.
   */
  statisticsFrozen = false;
  #pending: tf.Tensor[] = [];

  constructor(options: BiasFreeBatchNormOptions) {
    super();
    const { channels, momentum = 0.1, epsilon = 1e-5, rng } = options;
    if (!Number.isInteger(channels) || channels < 1)
      throw new InvalidArgumentError(`BiasFreeBatchNorm: channels must be a positive integer, got ${channels}`);
    if (!(momentum > 0 && momentum <= 1))
      throw new InvalidArgumentError(`BiasFreeBatchNorm: momentum must be in (0, 1], got ${momentum}`);
    if (!(epsilon >= 0)) throw new InvalidArgumentError(`BiasFreeBatchNorm: epsilon must be >= 0, got ${epsilon}`);
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.gain = this.param('gain', () =>
      rng ? tf.add(1, rng.uniformTensor([channels], { min: -0.1, max: 0.1 })) : tf.ones([channels]),
    );
    this.runningStd = this.buffer('runningStd', () => tf.ones([channels]));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      if (!this.training || this.statisticsFrozen) return tf.mul(x, tf.div(this.gain, this.runningStd)) as tf.Tensor4D;
      const { y, std } = normalizeByBatchStd(x, this.gain, this.epsilon);
      this.#pending.push(tf.keep(std));
      return y;
    });
  }

  /** Folds the batch stds recorded by training-mode forwards into the running std (then forgets them). */
  commitStatistics(): void {
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length === 0) return;
    tf.tidy(() => {
      let running: tf.Tensor = this.runningStd;
      for (const std of pending) running = tf.add(tf.mul(running, 1 - this.momentum), tf.mul(std, this.momentum));
      this.runningStd.assign(running);
    });
    tf.dispose(pending);
  }

  /** Forgets recorded batch stds without using them (e.g. after a forward pass whose step was skipped). */
  discardStatistics(): void {
    tf.dispose(this.#pending);
    this.#pending = [];
  }

  override dispose(): void {
    this.discardStatistics();
    super.dispose();
  }
}

/**
 * y = x * gain / std(x), std over batch and space per channel, with a hand-written gradient: the
 * autodiff of tf.moments costs about twice as many full-size ops on wasm, which made batch norm as slow
 * as a 3x3 conv. With s = gain / std, m = mean(x) and M values per channel:
 *   dL/dx = s dy - (sum(dy x) gain / (M std^3)) (x - m),   dL/dgain = sum(dy x) / std.
 */
export function normalizeByBatchStd(
  x: tf.Tensor4D,
  gain: tf.Tensor,
  epsilon: number,
): { y: tf.Tensor4D; std: tf.Tensor1D } {
  let std: tf.Tensor1D | undefined;
  const forward = (xIn: tf.Tensor, gIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const xx = xIn as tf.Tensor4D;
    const { mean, variance } = tf.moments(xx, [0, 1, 2]);
    const sd = tf.sqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    std = tf.keep(sd.clone());
    save([xx, gIn, mean, sd]);
    return {
      value: tf.mul(xx, tf.div(gIn, sd)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, g, m, s] = saved;
        const count = xs.size / (xs.shape[3] as number);
        const dyx = tf.sum(tf.mul(dy, xs), [0, 1, 2]);
        const k = tf.div(tf.mul(dyx, g), tf.mul(tf.pow(s, 3), count));
        const dx = tf.sub(tf.mul(dy, tf.div(g, s)), tf.mul(tf.sub(xs, m), k));
        return [dx, tf.div(dyx, s)];
      },
    };
  };
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gain) as tf.Tensor4D;
  return { y, std: std as tf.Tensor1D };
}

import { Module, tf } from '@scalespace/core';

/**
 * Batch normalisation with fixed running statistics: PyTorch's BatchNorm2d in eval mode,
 * (x - running_mean) / sqrt(running_var + eps) * weight + bias per channel. The official SinGAN's
 * generators run this way once trained (their statistics come from training), so converted official
 * models use it; scalespace's own training normalises per image instead (InstanceNorm).
 */
export class RunningBatchNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly epsilon: number;

  constructor(channels: number, options: { epsilon?: number } = {}) {
    super();
    this.epsilon = options.epsilon ?? 1e-5;
    this.weight = this.param('weight', () => tf.ones([channels]));
    this.bias = this.param('bias', () => tf.zeros([channels]));
    this.runningMean = this.buffer('running_mean', () => tf.zeros([channels]));
    this.runningVar = this.buffer('running_var', () => tf.ones([channels]));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const normed = tf.mul(tf.sub(x, this.runningMean), tf.rsqrt(tf.add(this.runningVar, this.epsilon)));
      return tf.add(tf.mul(normed, this.weight), this.bias) as tf.Tensor4D;
    });
  }
}

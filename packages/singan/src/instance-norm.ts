import { Module, tf } from '@scalespace/core';

/**
 * Instance normalisation over H and W of each sample and channel, with a learned scale and shift.
 * SinGAN uses BatchNorm2d with a batch of one image, which normalises over H and W exactly like
 * this; normalising per sample keeps the samples of a batch independent of each other. Written with
 * differentiable ops only (mean, rsqrt), so it can sit inside a WGAN-GP critic.
 */
export class InstanceNorm extends Module {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly epsilon: number;

  constructor(channels: number, options: { epsilon?: number; gammaInit?: () => tf.Tensor } = {}) {
    super();
    this.epsilon = options.epsilon ?? 1e-5;
    this.gamma = this.param('weight', options.gammaInit ?? (() => tf.ones([channels])));
    this.beta = this.param('bias', () => tf.zeros([channels]));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const mean = tf.mean(x, [1, 2], true);
      const centred = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centred), [1, 2], true);
      const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, this.gamma), this.beta) as tf.Tensor4D;
    });
  }
}

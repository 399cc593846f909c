import { InvalidImageError, tf } from '@scalespace/core';

/**
 * Luma Y of ITU-R BT.601 as MATLAB's rgb2ycbcr computes it, the channel super-resolution papers
 * report: Y = 16 + 65.481 R + 128.553 G + 24.966 B for R, G, B in [0, 1], so Y is in [16, 235]
 * (here divided by 255, so in [16/255, 235/255] with data range 1).
 */
export function rgbToY(x: tf.Tensor): tf.Tensor {
  const c = x.shape[x.rank - 1];
  if (c !== 3) throw new InvalidImageError(`rgbToY: expected 3 channels (RGB), got ${c}`);
  return tf.tidy(() => {
    const w = tf.tensor1d([65.481 / 255, 128.553 / 255, 24.966 / 255]);
    return tf.add(tf.sum(tf.mul(x, w), -1, true), 16 / 255);
  });
}

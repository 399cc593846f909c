import { tf } from '@scalespace/core';

/** Frequencies (radians per pixel) of the sinusoidal position channels, per axis. */
export const POSITION_FREQUENCIES = [1, 0.1];

/**
 * Sinusoidal positional encoding of an h x w grid, [1, h, w, 4 * frequencies]: sin and cos of the row
 * index and of the column index at each frequency. PetsGAN's low-resolution generator reads these
 * beside its noise, so it can place structure where the training image has it; the encoding is
 * defined at any size, so the generator samples other sizes too.
 */
export function positionalEncoding(h: number, w: number, frequencies = POSITION_FREQUENCIES): tf.Tensor4D {
  return tf.tidy(() => {
    const ys = tf.reshape(tf.range(0, h, 1, 'float32'), [h, 1, 1]);
    const xs = tf.reshape(tf.range(0, w, 1, 'float32'), [1, w, 1]);
    const channels: tf.Tensor[] = [];
    for (const f of frequencies) {
      for (const [axis, other] of [
        [ys, [h, w, 1]],
        [xs, [h, w, 1]],
      ] as Array<[tf.Tensor, number[]]>) {
        const phase = tf.mul(axis, f);
        channels.push(tf.broadcastTo(tf.sin(phase), other), tf.broadcastTo(tf.cos(phase), other));
      }
    }
    return tf.expandDims(tf.concat(channels, 2), 0) as tf.Tensor4D;
  });
}

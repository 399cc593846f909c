import { tf } from '@scalespace/core';

/**
 * A small structured colour image for tests and examples (no fixture file needed): soft blobs of
 * three colours on a gradient, [size, size, 3] in [0, 1].
 */
export function syntheticImage(height: number, width = height): tf.Tensor3D {
  return tf.tidy(() => {
    const y = tf.reshape(tf.linspace(0, 1, height), [height, 1, 1]);
    const x = tf.reshape(tf.linspace(0, 1, width), [1, width, 1]);
    const blob = (cy: number, cx: number, r: number) =>
      tf.exp(tf.neg(tf.div(tf.add(tf.square(tf.sub(y, cy)), tf.square(tf.sub(x, cx))), r * r)));
    const a = blob(0.3, 0.3, 0.15);
    const b = blob(0.7, 0.6, 0.2);
    const c = blob(0.4, 0.8, 0.1);
    const base = tf.add(tf.mul(y, 0.3), 0.2);
    const red = tf.add(base, tf.mul(a, 0.7));
    const green = tf.add(base, tf.add(tf.mul(b, 0.6), tf.mul(tf.sin(tf.mul(x, 25)), 0.05)));
    const blue = tf.add(tf.mul(base, 0.5), tf.mul(c, 0.8));
    const shape = [height, width, 1];
    return tf.clipByValue(
      tf.concat([tf.broadcastTo(red, shape), tf.broadcastTo(green, shape), tf.broadcastTo(blue, shape)], 2),
      0,
      1,
    ) as tf.Tensor3D;
  });
}

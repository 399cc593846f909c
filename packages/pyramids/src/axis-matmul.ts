import { tf } from '@scalespace/core';

/**
 * Applies a linear map [rows x size] along axis 1 (H) or 2 (W) of an NHWC tensor with one matMul:
 * the separable building block of wavelets and resampling. Differentiable.
 */
export function alongAxis(x: tf.Tensor4D, matrix: Float32Array, rows: number, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const size = axis === 1 ? h : w;
    const m = tf.tensor2d(matrix, [rows, size]);
    if (axis === 1) {
      const flat = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
      return tf.transpose(tf.reshape(tf.matMul(m, flat), [rows, n, w, c]), [1, 0, 2, 3]) as tf.Tensor4D;
    }
    const flat = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [n * h * c, w]);
    return tf.transpose(tf.reshape(tf.matMul(flat, m, false, true), [n, h, c, rows]), [0, 1, 3, 2]) as tf.Tensor4D;
  });
}

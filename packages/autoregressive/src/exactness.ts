import { tf } from '@scalespace/core';

/** Every image of the given shape with values 0..2^bits-1, as int32 [count, H, W, C] (for exactness tests). */
export function allImages(height: number, width: number, channels: number, bits: number): tf.Tensor4D {
  const n = 2 ** bits;
  const dims = height * width * channels;
  const count = n ** dims;
  const values = new Int32Array(count * dims);
  for (let i = 0; i < count; i++) {
    let rest = i;
    for (let d = 0; d < dims; d++) {
      values[i * dims + d] = rest % n;
      rest = Math.floor(rest / n);
    }
  }
  return tf.tensor4d(values, [count, height, width, channels], 'int32');
}

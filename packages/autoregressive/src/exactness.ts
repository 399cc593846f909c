import { tf, yieldToEventLoop } from '@scalespace/core';

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

/**
 * The sum of p(x) over `images` (e.g. `allImages`), which is 1 for an exact model. Runs in chunks with a
 * yield between them: one synchronous pass over 65,536 images can block a worker for tens of seconds.
 */
export async function totalProbability(
  model: { logProb(images: tf.Tensor4D): tf.Tensor },
  images: tf.Tensor4D,
  chunk = 4096,
): Promise<number> {
  let sum = 0;
  for (let start = 0; start < images.shape[0]; start += chunk) {
    const size = Math.min(chunk, images.shape[0] - start);
    const part = tf.tidy(() => tf.sum(tf.exp(model.logProb(tf.slice(images, [start], [size])))));
    sum += (await part.data())[0];
    part.dispose();
    await yieldToEventLoop();
  }
  return sum;
}

import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { asBatch } from './validate.js';

// Space-to-depth into 4^k sub-images. With f = 2^k, sub-image s = i * f + j (i, j in 0..f-1) holds the
// pixels at rows i, i + f, i + 2f, ... and columns j, j + f, ...: raster order over the offsets inside
// each f x f block, the order in which PixelPyramids' sampler generates the sub-images one after
// another. Pixels inside one sub-image are never neighbours, so they can be sampled in parallel.

/** [H, W, C] -> [H/f, W/f, f*f, C] (or with a leading batch axis), f = 2^k. */
export function squeeze(x: tf.Tensor, k: number): tf.Tensor {
  if (!Number.isInteger(k) || k < 0)
    throw new InvalidArgumentError(`squeeze: k must be a non-negative integer, got ${k}`);
  const f = 2 ** k;
  return tf.tidy(() => {
    const { batch, restore } = asBatch(x, 'squeeze');
    const [n, h, w, c] = batch.shape;
    if (h % f !== 0 || w % f !== 0) {
      throw new InvalidImageError(
        `squeeze: ${h}x${w} is not divisible by ${f} (k = ${k}); pad or crop the image first`,
      );
    }
    const blocks = tf.reshape(batch, [n, h / f, f, w / f, f, c]);
    return restore(tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4, 5]), [n, h / f, w / f, f * f, c]));
  });
}

/** Inverse of `squeeze`: [H/f, W/f, f*f, C] -> [H, W, C] (or batched). */
export function unsqueeze(x: tf.Tensor, k: number): tf.Tensor {
  if (!Number.isInteger(k) || k < 0)
    throw new InvalidArgumentError(`unsqueeze: k must be a non-negative integer, got ${k}`);
  const f = 2 ** k;
  const batched = x.rank === 5;
  if (x.rank !== 4 && x.rank !== 5) {
    throw new InvalidImageError(`unsqueeze: expected [h, w, 4^k, C] or [N, h, w, 4^k, C], got [${x.shape.join(', ')}]`);
  }
  const shape = batched ? x.shape : [1, ...x.shape];
  const [n, h, w, s, c] = shape;
  if (s !== f * f)
    throw new InvalidImageError(`unsqueeze: axis of sub-images has ${s} entries, expected ${f * f} for k = ${k}`);
  return tf.tidy(() => {
    const blocks = tf.reshape(x, [n, h, w, f, f, c]);
    const out = tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4, 5]), [n, h * f, w * f, c]);
    return batched ? out : tf.squeeze(out, [0]);
  });
}

import { InvalidImageError, tf } from '@scalespace/core';

/** An image [H, W, C] or a batch [N, H, W, C] as a batch, and a function that restores the caller's rank. */
export function asBatch(
  image: tf.Tensor,
  channels: number,
  what: string,
): { batch: tf.Tensor4D; restore(t: tf.Tensor4D): tf.Tensor } {
  const rank = image.rank;
  if (rank !== 3 && rank !== 4) {
    throw new InvalidImageError(`${what}: expected an image [H, W, C] or a batch [N, H, W, C], got [${image.shape}]`);
  }
  const c = image.shape[rank - 1];
  if (c !== channels) {
    throw new InvalidImageError(
      `${what}: the model works on ${channels === 1 ? 'grey (1 channel)' : `${channels}-channel`} images, got ${c} channels` +
        (channels === 1 && c === 3 ? '; read the image with { channels: 1 }' : '') +
        (channels === 3 && c === 1 ? '; read the image with { channels: 3 }' : ''),
    );
  }
  if (image.dtype !== 'float32') throw new InvalidImageError(`${what}: expected float32 values, got ${image.dtype}`);
  const batch = (rank === 3 ? tf.expandDims(image, 0) : image) as tf.Tensor4D;
  return {
    batch,
    restore: (t) => (rank === 3 ? tf.tidy(() => tf.squeeze(t, [0])) : t),
  };
}

/**
 * Pads H and W up to multiples of `multiple` by mirroring the last rows / columns, so a wavelet
 * transform of `levels` steps applies to any size; `crop` undoes it.
 */
export function padToMultiple(
  x: tf.Tensor4D,
  multiple: number,
): { padded: tf.Tensor4D; crop(t: tf.Tensor4D): tf.Tensor4D } {
  const [, h, w] = x.shape;
  const ph = (multiple - (h % multiple)) % multiple;
  const pw = (multiple - (w % multiple)) % multiple;
  if (ph === 0 && pw === 0) return { padded: x, crop: (t) => t };
  if (ph >= h || pw >= w) {
    throw new InvalidImageError(`image of ${h}x${w} is too small for blocks of ${multiple}; use a larger image`);
  }
  const padded = tf.mirrorPad(
    x,
    [
      [0, 0],
      [0, ph],
      [0, pw],
      [0, 0],
    ],
    'symmetric',
  );
  return {
    padded,
    crop: (t) => tf.tidy(() => tf.slice(t, [0, 0, 0, 0], [t.shape[0], h, w, t.shape[3]])),
  };
}

/** Per-image root-mean-square of a batch: the effective noise level of a residual. */
export async function rmsPerImage(t: tf.Tensor4D): Promise<number[]> {
  const r = tf.tidy(() => tf.sqrt(tf.mean(tf.square(t), [1, 2, 3])));
  const values = Array.from(await r.data());
  r.dispose();
  return values;
}

import { InvalidArgumentError, InvalidImageError, rng, tf } from '@scalespace/core';

export interface PatchOptions {
  /** Patch side in pixels. */
  size: number;
  count: number;
  seed?: number;
  /** Also flip patches left-right at random. */
  flip?: boolean;
}

/**
 * Random square patches from a list of float images [H, W, C] (or one batch), uniformly over images
 * and positions: [count, size, size, C]. Denoisers train on these.
 */
export function randomPatches(images: tf.Tensor3D[] | tf.Tensor4D, options: PatchOptions): tf.Tensor4D {
  const { size, count, seed = 0, flip = false } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidArgumentError(`patch size must be a positive integer, got ${size}`);
  if (!Number.isInteger(count) || count < 1)
    throw new InvalidArgumentError(`patch count must be a positive integer, got ${count}`);
  const list = (Array.isArray(images) ? images : tf.unstack(images)) as tf.Tensor3D[];
  try {
    if (list.length === 0) throw new InvalidArgumentError('randomPatches: no images');
    const channels = list[0].shape[2] as number;
    for (const im of list) {
      if (im.shape[0] < size || im.shape[1] < size)
        throw new InvalidImageError(
          `randomPatches: an image of ${im.shape[0]}x${im.shape[1]} is smaller than a ${size}px patch`,
        );
      if (im.shape[2] !== channels) throw new InvalidImageError('randomPatches: images differ in channel count');
    }
    const r = rng(seed);
    return tf.tidy(() => {
      const patches = Array.from({ length: count }, () => {
        const im = list[r.int(list.length)];
        const top = r.int(im.shape[0] - size + 1);
        const left = r.int(im.shape[1] - size + 1);
        const patch = tf.slice(im, [top, left, 0], [size, size, channels]);
        return flip && r.uniform() < 0.5 ? tf.reverse(patch, 1) : patch;
      });
      return tf.stack(patches) as tf.Tensor4D;
    });
  } finally {
    if (!Array.isArray(images)) tf.dispose(list);
  }
}

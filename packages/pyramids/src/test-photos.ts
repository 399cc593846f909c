// Test helper (not exported): real photos from @scalespace/data's assets, read as 8-bit integers.
// The file is read directly (data depends on pyramids, not the other way round).
import { fileURLToPath } from 'node:url';
import { readImage, tf } from '@scalespace/core';

const PHOTOS = new URL('../../data/assets/photos/', import.meta.url);

/** A photo as int32 [H, W, C] in 0..2^bits-1 (the `bits` most significant bits of each 8-bit value). */
export async function photoInts(name: string, bits = 8, channels: 1 | 3 = 3): Promise<tf.Tensor3D> {
  const image = await readImage(fileURLToPath(new URL(`${name}.png`, PHOTOS)), { channels });
  const ints = tf.tidy(() => {
    const eight = tf.cast(tf.round(tf.mul(image, 255)), 'int32');
    return tf.floorDiv(eight, tf.scalar(2 ** (8 - bits), 'int32')) as tf.Tensor3D;
  });
  image.dispose();
  return ints;
}

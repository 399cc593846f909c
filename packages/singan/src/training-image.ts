import { InvalidArgumentError, InvalidImageError, readImage, tf } from '@scalespace/core';
import { rgbImage } from './validate.js';

/**
 * The training image as an owned [H, W, 3] tensor in [0, 1]: read from a file (PNG, JPEG, WebP,
 * TIFF, GIF; anything else is an InvalidImageError naming the file) or checked and cloned from a tensor.
 */
export async function loadTrainingImage(image: tf.Tensor3D | string): Promise<tf.Tensor3D> {
  if (typeof image === 'string') {
    if (image.length === 0) throw new InvalidArgumentError('image: got an empty path; pass an image file or a tensor');
    let t: tf.Tensor3D;
    try {
      t = await readImage(image, { channels: 3 });
    } catch (error) {
      if (error instanceof InvalidImageError) {
        throw new InvalidImageError(`${error.message} (the training image must be a photo or texture file)`, {
          cause: error,
        });
      }
      throw error;
    }
    return t;
  }
  if (!(image instanceof tf.Tensor))
    throw new InvalidArgumentError('image must be a file path or an [H, W, 3] tensor with values in [0, 1]');
  const img = rgbImage(image, 'image');
  const out = img === image ? tf.clone(img) : img;
  const span = tf.tidy(() => tf.stack([tf.min(out), tf.max(out)]));
  const [lo, hi] = await span.data();
  span.dispose();
  if (lo < -1e-3 || hi > 1 + 1e-3) {
    out.dispose();
    throw new InvalidImageError(
      `image values must be in [0, 1], got [${lo.toFixed(3)}, ${hi.toFixed(3)}]; divide 8-bit images by 255`,
    );
  }
  return out;
}

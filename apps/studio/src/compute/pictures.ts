// Tensors to and from the plain images that cross to the page (worker side).
import { imageFromPixels, tf } from '@scalespace/core';
import type { Picture, Rgba } from './protocol.js';

/** Canvas pixels as core reads a browser image: float [H, W, channels] in [0, 1] (1 channel: BT.601 luma). */
export function fromRgba(rgba: Rgba, channels: 1 | 3): tf.Tensor3D {
  return imageFromPixels(new ImageData(rgba.data, rgba.width, rgba.height), { channels });
}

/** A plain image as a float tensor [H, W, C]. */
export function fromPicture(picture: Picture): tf.Tensor3D {
  return tf.tensor3d(picture.data, [picture.height, picture.width, picture.channels]);
}

/** A float [H, W, C] (or [1, H, W, C]) image, or an int32 one with `bits`, as a plain image in [0, 1]. */
export async function toPicture(image: tf.Tensor, options: { bits?: number } = {}): Promise<Picture> {
  const shape = image.shape.slice(-3);
  const [height, width, channels] = shape;
  const unit = tf.tidy(() => {
    const float = tf.cast(tf.reshape(image, shape), 'float32');
    return options.bits ? tf.div(float, 2 ** options.bits - 1) : float;
  });
  // A copy: the page receives it by transfer, and a backend may hand out the array it keeps the tensor in.
  const data = new Float32Array(await unit.data());
  unit.dispose();
  return { width, height, channels, data };
}

/** Each image of a batch [N, H, W, C] as a plain image. */
export async function toPictures(batch: tf.Tensor, options: { bits?: number } = {}): Promise<Picture[]> {
  const images = tf.unstack(batch);
  try {
    return await Promise.all(images.map((image) => toPicture(image, options)));
  } finally {
    tf.dispose(images);
  }
}

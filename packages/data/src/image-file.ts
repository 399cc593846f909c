import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { fitImage, type RawImage, type SizeOptions } from './size-policy.js';

export interface ImageFileOptions extends SizeOptions {
  /** 1 (grey) or 3 (RGB, the default); alpha is dropped. */
  channels?: 1 | 3;
}

async function loadSharp() {
  try {
    return (await import('sharp')).default;
  } catch (error) {
    throw new InvalidArgumentError('reading image files needs the "sharp" package: pnpm add sharp', { cause: error });
  }
}

/**
 * Width, height and colour channels (1 grey or 3; alpha not counted) of an image file, and its number of pages
 * (frames of an animated GIF or WebP, pages of a TIFF; 1 for most files), read from its header.
 */
export async function imageFileInfo(
  path: string,
): Promise<{ width: number; height: number; colour: 1 | 3; pages: number }> {
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(path).metadata();
  } catch (error) {
    throw new InvalidImageError(
      `cannot read image "${path}": ${(error as Error).message}. Supported: PNG, JPEG, WebP, TIFF, GIF`,
      { cause: error },
    );
  }
  const colour = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) === 1 ? 1 : 3;
  return { width: meta.width ?? 0, height: meta.height ?? 0, colour, pages: meta.pages ?? 1 };
}

/** Decodes an image file (PNG, JPEG, WebP, TIFF, GIF) with sharp into 8-bit HWC bytes, then applies a size policy. */
export async function readImageBytes(path: string, options: ImageFileOptions = {}, index = 0): Promise<RawImage> {
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new InvalidArgumentError(`channels must be 1 or 3, got ${channels}`);
  const sharp = await loadSharp();
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const p = sharp(path, { failOn: 'error' });
    raw = await (channels === 1 ? p.toColourspace('b-w') : p.toColourspace('srgb'))
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InvalidImageError(
      `cannot decode "${path}": ${(error as Error).message}; the file is corrupt, truncated or not an image`,
      { cause: error },
    );
  }
  const { width, height, channels: got } = raw.info;
  if (got !== channels) throw new InvalidImageError(`decoding "${path}" gave ${got} channels, expected ${channels}`);
  const image = {
    data: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length),
    height,
    width,
    channels,
  };
  return fitImage(image, options, index, `"${path}"`);
}

/** An image file as float32 [H, W, C] in [0, 1], brought to size by a policy (e.g. `{ size: 250, policy: 'longer-side' }`). */
export async function loadImage(path: string, options: ImageFileOptions = {}): Promise<tf.Tensor3D> {
  const image = await readImageBytes(path, options);
  const values = new Float32Array(image.data.length);
  for (let i = 0; i < values.length; i++) values[i] = image.data[i] / 255;
  return tf.tensor3d(values, [image.height, image.width, image.channels]);
}

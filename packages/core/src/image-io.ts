import * as platform from '#platform';
import { writeFileAtomic } from './atomic-write.js';
import { InvalidArgumentError, InvalidImageError } from './errors.js';
import { tf } from './tf.js';

export type Channels = 1 | 3 | 4;

export interface ReadImageOptions {
  /** Convert to this many channels (1 grey, 3 RGB, 4 RGBA). Default: the file's own (grey+alpha becomes grey). */
  channels?: Channels;
}

const EXTENSIONS: Record<string, 'png' | 'jpeg' | 'webp' | 'tiff'> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** Reads an image file (PNG, JPEG, WebP, TIFF, GIF) into a float32 [H, W, C] tensor in [0, 1]. Node only. */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<tf.Tensor3D> {
  const { channels } = options;
  if (channels !== undefined && ![1, 3, 4].includes(channels)) {
    throw new InvalidArgumentError(`readImage: channels must be 1, 3 or 4, got ${channels}`);
  }
  const sharp = await platform.loadSharp();
  let pipeline = sharp(path, { failOn: 'error' });
  let meta: { channels?: number; hasAlpha?: boolean };
  try {
    meta = await pipeline.metadata();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidImageError(`cannot read image "${path}": ${reason}. Supported: PNG, JPEG, WebP, TIFF, GIF`, {
      cause: error,
    });
  }
  const colour = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
  const target: Channels = channels ?? (colour === 1 ? 1 : meta.hasAlpha ? 4 : 3);
  if (target === 1) pipeline = pipeline.toColourspace('b-w').removeAlpha();
  else if (target === 3) pipeline = pipeline.toColourspace('srgb').removeAlpha();
  else pipeline = pipeline.toColourspace('srgb').ensureAlpha();
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidImageError(`cannot decode image "${path}": ${reason}`, { cause: error });
  }
  const { width, height, channels: got } = raw.info;
  if (got !== target) {
    throw new InvalidImageError(`decoding "${path}" gave ${got} channels, expected ${target}`);
  }
  const values = new Float32Array(raw.data.length);
  for (let i = 0; i < values.length; i++) values[i] = raw.data[i] / 255;
  return tf.tensor3d(values, [height, width, target]);
}

/** Checks that a tensor is an image [H, W, C] (or [1, H, W, C]) with C in 1, 3, 4; returns it as 3-D. */
export function assertImageTensor(image: tf.Tensor, what = 'image'): tf.Tensor3D {
  const shape = image.shape;
  const squeezed = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  if (squeezed.length !== 3 || ![1, 3, 4].includes(squeezed[2])) {
    throw new InvalidImageError(
      `${what}: expected [H, W, C] with C = 1, 3 or 4, got [${shape.join(', ')}]` +
        (squeezed.length === 2 ? '; add a channel axis with tf.expandDims(image, -1)' : ''),
    );
  }
  return shape.length === 4 ? tf.reshape(image, squeezed as [number, number, number]) : (image as tf.Tensor3D);
}

/**
 * Converts a float image in [0, 1] (values outside are clipped; int32 images are taken as 0..255) to 8-bit
 * RGB(A)/grey bytes. Throws on NaN values.
 */
export async function toBytes(
  image: tf.Tensor,
): Promise<{ data: Uint8Array; height: number; width: number; channels: Channels }> {
  const img = assertImageTensor(image);
  const [height, width, channels] = img.shape;
  const values = await img.data();
  if (img !== image) img.dispose();
  const scale = image.dtype === 'int32' ? 1 : 255;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v))
      throw new InvalidImageError('the image contains NaN values; check the model output before saving it');
    data[i] = Math.round(Math.min(255, Math.max(0, v * scale)));
  }
  return { data, height, width, channels: channels as Channels };
}

/** A browser image (ImageData, canvas, <img>, ImageBitmap, video frame) as a float32 [H, W, C] tensor in [0, 1]. */
export function imageFromPixels(
  pixels: Parameters<typeof tf.browser.fromPixels>[0],
  options: ReadImageOptions = {},
): tf.Tensor3D {
  const channels = options.channels ?? 3;
  if (![1, 3, 4].includes(channels))
    throw new InvalidArgumentError(`imageFromPixels: channels must be 1, 3 or 4, got ${channels}`);
  return tf.tidy(() => {
    const rgb = tf.div(tf.browser.fromPixels(pixels, channels === 1 ? 3 : channels), 255) as tf.Tensor3D;
    // ITU-R BT.601 luma of the sRGB values.
    return channels === 1 ? (tf.sum(tf.mul(rgb, [0.299, 0.587, 0.114]), -1, true) as tf.Tensor3D) : rgb;
  });
}

/** A float [H, W, C] image in [0, 1] as RGBA `ImageData` (for a canvas's putImageData); browser only. */
export async function toImageData(image: tf.Tensor): Promise<ImageData> {
  const { data, width, height, channels } = await toBytes(image);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    rgba[4 * i] = data[j];
    rgba[4 * i + 1] = data[channels === 1 ? j : j + 1];
    rgba[4 * i + 2] = data[channels === 1 ? j : j + 2];
    rgba[4 * i + 3] = channels === 4 ? data[j + 3] : 255;
  }
  return new ImageData(rgba, width, height);
}

/**
 * Writes a float32 [H, W, C] tensor in [0, 1] (int32 tensors are taken as 0..255) to an image file,
 * format from the extension (.png, .jpg, .webp, .tif). Written atomically. Node only.
 */
export async function writeImage(path: string, image: tf.Tensor, options: { quality?: number } = {}): Promise<void> {
  const dot = path.lastIndexOf('.');
  const format = EXTENSIONS[path.slice(dot).toLowerCase()];
  if (dot < 0 || !format) {
    throw new InvalidArgumentError(`writeImage: cannot tell the format of "${path}"; use .png, .jpg, .webp or .tif`);
  }
  const { data, height, width, channels } = await toBytes(image);
  const sharp = await platform.loadSharp();
  let pipeline = sharp(data, { raw: { width, height, channels } });
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  const encoded = await pipeline.toFormat(format, options.quality ? { quality: options.quality } : {}).toBuffer();
  await writeFileAtomic(path, encoded);
}

export interface AnimatedGifOptions {
  /** Milliseconds per frame (default 80). */
  delayMs?: number;
  /** Loops of the GIF (0 = forever, the default). */
  loop?: number;
}

/** Writes frames [T, H, W, C] in [0, 1] as an animated GIF, one page a frame. Written atomically. Node only. */
export async function writeAnimatedGif(
  path: string,
  frames: tf.Tensor4D,
  options: AnimatedGifOptions = {},
): Promise<void> {
  const { delayMs = 80, loop = 0 } = options;
  if (frames.rank !== 4 || frames.shape[0] < 1)
    throw new InvalidImageError(`writeAnimatedGif: expected frames [T, H, W, C], got [${frames.shape.join(', ')}]`);
  const [t, h, w, c] = frames.shape;
  // The frames stacked vertically form one tall image whose pages are the frames.
  const tall = tf.reshape(frames, [t * h, w, c]);
  const { data, channels } = await toBytes(tall).finally(() => tall.dispose());
  const sharp = await platform.loadSharp();
  const gif = await sharp(Buffer.from(data), { raw: { width: w, height: t * h, channels, pageHeight: h } })
    .gif({ delay: Array(t).fill(delayMs), loop })
    .toBuffer();
  await writeFileAtomic(path, gif);
}

export interface ImageGridOptions {
  /** Images per row. Default: ceil(sqrt(n)). */
  columns?: number;
  /** Pixels between images. Default 2. */
  padding?: number;
  /** Value of the padding, in [0, 1]. Default 1 (white). */
  background?: number;
}

/** Tiles [N, H, W, C] images (or a list of [H, W, C]) into one [H', W', C] image. */
export function imageGrid(images: tf.Tensor4D | tf.Tensor3D[], options: ImageGridOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const batch = Array.isArray(images) ? tf.stack(images.map((im) => assertImageTensor(im))) : images;
    if (batch.rank !== 4)
      throw new InvalidImageError(`imageGrid: expected [N, H, W, C], got [${batch.shape.join(', ')}]`);
    const [n, h, w, c] = batch.shape as [number, number, number, number];
    if (n === 0) throw new InvalidArgumentError('imageGrid: no images to tile');
    const columns = options.columns ?? Math.ceil(Math.sqrt(n));
    const padding = options.padding ?? 2;
    const background = options.background ?? 1;
    if (!Number.isInteger(columns) || columns < 1)
      throw new InvalidArgumentError(`imageGrid: columns must be a positive integer, got ${columns}`);
    if (!Number.isInteger(padding) || padding < 0)
      throw new InvalidArgumentError(`imageGrid: padding must be a non-negative integer, got ${padding}`);
    const rows = Math.ceil(n / columns);
    const filled =
      rows * columns === n ? batch : tf.concat([batch, tf.fill([rows * columns - n, h, w, c], background)]);
    const padded = tf.pad(
      filled,
      [
        [0, 0],
        [padding, 0],
        [padding, 0],
        [0, 0],
      ],
      background,
    );
    const ph = h + padding;
    const pw = w + padding;
    const tiled = tf.reshape(tf.transpose(tf.reshape(padded, [rows, columns, ph, pw, c]), [0, 2, 1, 3, 4]), [
      rows * ph,
      columns * pw,
      c,
    ]);
    return tf.pad(
      tiled,
      [
        [0, padding],
        [0, padding],
        [0, 0],
      ],
      background,
    ) as tf.Tensor3D;
  });
}

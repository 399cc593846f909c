import {
  InvalidArgumentError,
  InvalidImageError,
  type LongWorkOptions,
  ProgressTracker,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';
import { type LoadTrunkOptions, loadTrunk } from './trunk.js';

/** Turns a batch of images into one feature vector per image: [N, H, W, 3] in [0, 1] -> [N, dims]. */
export interface FeatureExtractor {
  readonly name: string;
  readonly dims: number;
  extract(images: tf.Tensor4D): tf.Tensor2D;
}

/** Turns a batch of images into a feature map, one vector per position: [N, H, W, 3] -> [N, h, w, dims]. */
export interface SpatialFeatureExtractor {
  readonly name: string;
  readonly dims: number;
  extract(images: tf.Tensor4D): tf.Tensor4D;
}

/** Images as a list of [H, W, C] tensors or one batch [N, H, W, C] (C = 1 or 3, values in [0, 1]). */
export type ImageSet = tf.Tensor3D[] | tf.Tensor4D;

/** An image or batch as an RGB float batch for a trunk (grey repeated to 3 channels); `checkUnitImages` checks values. */
export function toRgbBatch(image: tf.Tensor, what: string): tf.Tensor4D {
  checkChannels(image, what);
  return tf.tidy(() => {
    let x = tf.cast(image, 'float32');
    if (x.rank === 3) x = tf.expandDims(x, 0);
    if (image.shape[image.rank - 1] === 1) x = tf.tile(x, [1, 1, 1, 3]);
    return tf.clipByValue(x, 0, 1) as tf.Tensor4D;
  });
}

/** Checks the values of images for a trunk: no NaN, within [0, 1] (beyond rounding). */
export async function checkUnitImages(images: tf.Tensor | tf.Tensor[], what: string): Promise<void> {
  for (const image of Array.isArray(images) ? images : [images]) {
    checkChannels(image, what);
    const stats = tf.tidy(() => tf.stack([tf.min(image), tf.max(image), tf.cast(tf.any(tf.isNaN(image)), 'float32')]));
    const [lo, hi, nan] = await stats.data();
    stats.dispose();
    if (nan) throw new InvalidImageError(`${what}: the image contains NaN values`);
    if (lo < -1e-3 || hi > 1 + 1e-3) {
      throw new InvalidImageError(
        `${what}: values span ${lo.toPrecision(4)}..${hi.toPrecision(4)}; feature metrics expect [0, 1] (divide 8-bit values by 255)`,
      );
    }
  }
}

function checkChannels(image: tf.Tensor, what: string): void {
  if (image.rank !== 3 && image.rank !== 4) {
    throw new InvalidImageError(
      `${what}: expected an image [H, W, C] or a batch [N, H, W, C], got [${image.shape.join(', ')}]`,
    );
  }
  const c = image.shape[image.rank - 1];
  if (c !== 1 && c !== 3) {
    throw new InvalidImageError(`${what}: expected 1 (grey) or 3 (RGB) channels, got ${c}; drop alpha first`);
  }
}

/** Resizes so the shorter side is at least `minSide` (bilinear, aspect kept); returns the input if it already is. */
export function atLeast(x: tf.Tensor4D, minSide: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (Math.min(h, w) >= minSide) return x;
  const f = minSide / Math.min(h, w);
  return tf.image.resizeBilinear(
    x,
    [Math.max(minSide, Math.round(h * f)), Math.max(minSide, Math.round(w * f))],
    false,
    true,
  );
}

export interface TrunkExtractorOptions extends LoadTrunkOptions {
  /** Side the images are resized to before the trunk (bilinear), as FID implementations do; default the trunk's 299 / 224. */
  size?: number;
}

/**
 * The pooled-feature extractor for FID / KID: resize to size x size (bilinear), run the trunk, and
 * average its last feature map over space (InceptionV3: 2048 values, the pool3 position of FID;
 * MobileNetV2: 1280). Not the official FID Inception weights: see the README.
 */
export async function trunkFeatureExtractor(options: TrunkExtractorOptions = {}): Promise<FeatureExtractor> {
  const trunk = await loadTrunk(options);
  const size = options.size ?? trunk.inputSize;
  if (!Number.isInteger(size) || size < trunk.layers.minSide) {
    throw new InvalidArgumentError(
      `trunkFeatureExtractor: size must be an integer >= ${trunk.layers.minSide}, got ${size}`,
    );
  }
  const layer = trunk.layers.pooled;
  return {
    name: `${trunk.name}/${layer}/mean@${size}`,
    dims: trunk.name === 'inception-v3' ? 2048 : 1280,
    extract: (images) =>
      tf.tidy(() => {
        const x =
          images.shape[1] === size && images.shape[2] === size
            ? images
            : tf.image.resizeBilinear(images, [size, size], false, true);
        const [features] = trunk.run(x, [layer]);
        return tf.mean(features, [1, 2]) as tf.Tensor2D;
      }),
  };
}

/**
 * The early per-pixel extractor of SIFID: InceptionV3 after its first max-pool (64 channels, stride 4)
 * at the image's own size, as SinGAN's SIFID; for 'mobilenet-v2', its stage at the same stride.
 */
export async function earlyFeatureExtractor(options: LoadTrunkOptions = {}): Promise<SpatialFeatureExtractor> {
  const trunk = await loadTrunk(options);
  const layer = trunk.layers.early;
  return {
    name: `${trunk.name}/${layer}`,
    dims: trunk.name === 'inception-v3' ? 64 : 24,
    extract: (images) => {
      const [h, w] = [images.shape[1], images.shape[2]];
      if (Math.min(h, w) < 15) {
        throw new InvalidImageError(`${trunk.name}/${layer}: images need at least 15x15 pixels, got ${h}x${w}`);
      }
      return trunk.run(images, [layer])[0];
    },
  };
}

export interface ExtractOptions extends LongWorkOptions {
  /** Images per trunk call (default 8). */
  batchSize?: number;
}

/** Runs an extractor over a set of images in batches: row-major [N, dims] float32 on the host. */
export async function extractFeatures(
  images: ImageSet,
  extractor: FeatureExtractor,
  options: ExtractOptions = {},
): Promise<Float32Array> {
  const { batchSize = 8, signal, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  const n = Array.isArray(images) ? images.length : images.shape[0];
  await checkUnitImages(images, extractor.name);
  const out = new Float32Array(n * extractor.dims);
  const progress = new ProgressTracker(n, { onProgress });
  for (let start = 0; start < n; start += batchSize) {
    throwIfAborted(signal, 'feature extraction');
    const end = Math.min(n, start + batchSize);
    const features = tf.tidy(() => {
      if (!Array.isArray(images)) {
        return extractor.extract(
          toRgbBatch(tf.slice(images, [start, 0, 0, 0], [end - start, -1, -1, -1]), extractor.name),
        );
      }
      const list = images.slice(start, end);
      const same = list.every((im) => im.shape.every((d, i) => d === list[0].shape[i]));
      // Images of different sizes go through the extractor one by one (it resizes them).
      if (same) return extractor.extract(tf.concat(list.map((im) => toRgbBatch(im, extractor.name))) as tf.Tensor4D);
      return tf.concat(list.map((im) => extractor.extract(toRgbBatch(im, extractor.name)))) as tf.Tensor2D;
    });
    if (features.shape[1] !== extractor.dims) {
      features.dispose();
      throw new InvalidArgumentError(
        `extractor ${extractor.name} returned ${features.shape[1]} features, declared ${extractor.dims}`,
      );
    }
    out.set(await features.data(), start * extractor.dims);
    features.dispose();
    progress.report(end);
    await yieldToEventLoop();
  }
  return out;
}

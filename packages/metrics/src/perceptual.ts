import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { atLeast, checkUnitImages, toRgbBatch } from './features.js';
import { type LoadTrunkOptions, loadTrunk } from './trunk.js';

// The trunk perceptual distance: LPIPS's recipe without its learned heads, on the feature trunk that ships
// on npm (nsfwjs's InceptionV3 / MobileNetV2, see trunk.ts). For each layer, the feature vector at every
// position is scaled to unit length, the squared differences are summed over channels and averaged over
// positions; the layers count equally. It is NOT LPIPS (no VGG / AlexNet weights, no calibrated linear
// heads): values are comparable within scalespace only. `lpips` (lpips.ts) is the real one, given weights.

/**
 * A perceptual distance between two images (or batches) of the same shape, usable wherever an
 * `ImageDistance` is (e.g. `apd(samples, { distance })`). Calling it gives the mean over the batch.
 */
export interface PerceptualDistance {
  (a: tf.Tensor, b: tf.Tensor): Promise<number>;
  /** What it computes, e.g. `trunk-perceptual/inception-v3/activation_3+activation_5+mixed2+mixed7`. */
  readonly name: string;
  /** The layers it compares, in order. */
  readonly layers: readonly string[];
  /** One distance per image of a batch [N, H, W, C] (a single image [H, W, C] gives one value). */
  perImage(a: tf.Tensor, b: tf.Tensor): Promise<number[]>;
  /** Frees what this distance owns (LPIPS weights; the shared trunk stays loaded). Later calls throw. */
  dispose(): void;
}

/** Scales the vector at each position to unit length along channels: x / (||x||_2 + eps), eps = 1e-10 as LPIPS. */
export function unitNormalize(features: tf.Tensor4D, eps = 1e-10): tf.Tensor4D {
  return tf.tidy(() => tf.div(features, tf.add(tf.sqrt(tf.sum(tf.square(features), 3, true)), eps)));
}

/**
 * Per-image, per-channel mean over space of the squared difference of unit-normalised features:
 * [N, C]. Summing over channels gives the unweighted distance; a dot with non-negative weights, LPIPS's.
 */
export function normalizedSquaredDifference(fa: tf.Tensor4D, fb: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => tf.mean(tf.squaredDifference(unitNormalize(fa), unitNormalize(fb)), [1, 2]) as tf.Tensor2D);
}

/** Validates a pair of images for a perceptual distance and returns RGB float batches. */
export async function perceptualPair(a: tf.Tensor, b: tf.Tensor, what: string): Promise<[tf.Tensor4D, tf.Tensor4D]> {
  if (!(a instanceof tf.Tensor) || !(b instanceof tf.Tensor)) {
    throw new InvalidImageError(`${what}: expected two tensors [H, W, C] or [N, H, W, C]`);
  }
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new InvalidImageError(
      `${what}: the images differ in shape, [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]; resize or crop one to match`,
    );
  }
  await checkUnitImages([a, b], what);
  const ra = toRgbBatch(a, what);
  try {
    return [ra, toRgbBatch(b, what)];
  } catch (error) {
    ra.dispose();
    throw error;
  }
}

/**
 * Builds a `PerceptualDistance` from a per-image function that returns a tensor [N] of distances for two
 * validated RGB batches. Shared by `perceptualDistance` and `lpips`.
 */
export function makePerceptualDistance(
  name: string,
  layers: readonly string[],
  distances: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor1D,
  release: () => void = () => {},
): PerceptualDistance {
  let disposed = false;
  const perImage = async (a: tf.Tensor, b: tf.Tensor): Promise<number[]> => {
    if (disposed) throw new InvalidArgumentError(`${name} was disposed; create a new one`);
    const [ra, rb] = await perceptualPair(a, b, name);
    try {
      const d = tf.tidy(() => distances(ra, rb));
      const values = Array.from(await d.data());
      d.dispose();
      return values;
    } finally {
      tf.dispose([ra, rb]);
    }
  };
  const distance = async (a: tf.Tensor, b: tf.Tensor): Promise<number> => {
    const values = await perImage(a, b);
    return values.reduce((s, v) => s + v, 0) / values.length;
  };
  return Object.defineProperties(distance, {
    name: { value: name },
    layers: { value: Object.freeze([...layers]), enumerable: true },
    perImage: { value: perImage, enumerable: true },
    dispose: {
      value: () => {
        if (disposed) return;
        disposed = true;
        release();
      },
      enumerable: true,
    },
  }) as PerceptualDistance;
}

export interface PerceptualDistanceOptions extends LoadTrunkOptions {
  /** Layers to compare (default `TRUNK_LAYERS[trunk].perceptual`); any of the trunk's `layerNames`. */
  layers?: string[];
  /**
   * Side both images are resized to (bilinear, size x size) before the trunk. Default: their own size,
   * upsampled (aspect kept) when the shorter side is below the trunk's minimum (75 InceptionV3, 32 MobileNetV2).
   */
  size?: number;
}

/**
 * The trunk perceptual distance (LPIPS-style, equal layer weights, no learned heads) on nsfwjs's
 * InceptionV3 or MobileNetV2 trunk. Returns a function `(a, b) => number` with `name`, `layers`,
 * `perImage` and `dispose` attached; images [H, W, 3], grey [H, W, 1] or batches, in [0, 1], same shape.
 * d(x, x) = 0 and d(a, b) = d(b, a) exactly. Not LPIPS: comparable within scalespace only.
 */
export async function perceptualDistance(options: PerceptualDistanceOptions = {}): Promise<PerceptualDistance> {
  const { size } = options;
  const trunk = await loadTrunk(options);
  const minSide = trunk.layers.minSide;
  if (size !== undefined && (!Number.isInteger(size) || size < minSide)) {
    throw new InvalidArgumentError(
      `perceptualDistance: size must be an integer >= ${minSide} (the ${trunk.name} trunk's smallest input), got ${size}`,
    );
  }
  const layers = options.layers ?? trunk.layers.perceptual;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new InvalidArgumentError('perceptualDistance: layers must be a non-empty list of layer names');
  }
  const known = new Set(trunk.layerNames);
  const unknown = layers.filter((l) => !known.has(l));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `perceptualDistance: the ${trunk.name} trunk has no layer ${unknown.map((l) => `"${l}"`).join(', ')}; ` +
        `use names from its layerNames, e.g. ${trunk.layers.perceptual.join(', ')}`,
    );
  }
  const prepare = (x: tf.Tensor4D): tf.Tensor4D =>
    size === undefined ? atLeast(x, minSide) : tf.image.resizeBilinear(x, [size, size], false, true);
  const name = `trunk-perceptual/${trunk.name}/${layers.join('+')}${size === undefined ? '' : `@${size}`}`;
  return makePerceptualDistance(name, layers, (a, b) => {
    // Each image runs alone through the same graph, so equal inputs give bit-equal features: d(x, x) = 0.
    const fa = trunk.run(prepare(a), layers);
    const fb = trunk.run(prepare(b), layers);
    const perLayer = fa.map((f, i) => tf.sum(normalizedSquaredDifference(f, fb[i]), 1));
    return tf.div(tf.addN(perLayer), layers.length) as tf.Tensor1D;
  });
}

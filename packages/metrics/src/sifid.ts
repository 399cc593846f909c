import { InvalidArgumentError, tf } from '@scalespace/core';
import { checkUnitImages, earlyFeatureExtractor, type SpatialFeatureExtractor, toRgbBatch } from './features.js';
import { type FeatureStatistics, featureStatistics, frechetDistance } from './frechet.js';
import type { LoadTrunkOptions } from './trunk.js';

// SinGAN's single-image FID: the Frechet distance between the statistics of the per-position feature
// vectors of one real image and of one generated image, taken early in the network (InceptionV3 after
// its first max-pool, 64 channels) at the images' own size. Lower is better; an image against itself
// gives 0. With nsfwjs's trunk (not the FID Inception weights) values are comparable within scalespace.

export interface SifidOptions extends LoadTrunkOptions {
  /** The per-position extractor (default: the InceptionV3 trunk after its first max-pool). */
  extractor?: SpatialFeatureExtractor;
}

async function spatialStatistics(image: tf.Tensor, extractor: SpatialFeatureExtractor): Promise<FeatureStatistics> {
  if (image.rank !== 3) {
    throw new InvalidArgumentError(
      `sifid: expected one image [H, W, C], got [${image.shape.join(', ')}]; pass a list for several`,
    );
  }
  await checkUnitImages(image, 'sifid');
  const map = tf.tidy(() => {
    const f = extractor.extract(toRgbBatch(image, 'sifid'));
    return tf.reshape(f, [-1, f.shape[3]]);
  });
  const values = await map.data();
  map.dispose();
  return featureStatistics(values, extractor.dims);
}

/** SIFID of each generated image against the real one. */
export async function sifidPerImage(
  real: tf.Tensor,
  fakes: tf.Tensor[],
  options: SifidOptions = {},
): Promise<number[]> {
  if (fakes.length === 0) throw new InvalidArgumentError('sifid: give at least one generated image');
  const extractor = options.extractor ?? (await earlyFeatureExtractor(options));
  const reference = await spatialStatistics(real, extractor);
  const values: number[] = [];
  for (const fake of fakes) values.push(frechetDistance(reference, await spatialStatistics(fake, extractor)));
  return values;
}

/**
 * Single-image FID between a real image and a generated one (or the mean over several generated
 * images). Images [H, W, 3] (or grey [H, W, 1]) in [0, 1]; sizes may differ.
 */
export async function sifid(
  real: tf.Tensor,
  fake: tf.Tensor | tf.Tensor[],
  options: SifidOptions = {},
): Promise<number> {
  const values = await sifidPerImage(real, Array.isArray(fake) ? fake : [fake], options);
  return values.reduce((s, v) => s + v, 0) / values.length;
}

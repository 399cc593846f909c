import { InvalidArgumentError } from '@scalespace/core';
import {
  type ExtractOptions,
  extractFeatures,
  type FeatureExtractor,
  type ImageSet,
  trunkFeatureExtractor,
} from './features.js';
import { featureStatistics, frechetDistance } from './frechet.js';
import { type KidOptions, type KidResult, kernelDistance } from './kid.js';
import type { LoadTrunkOptions } from './trunk.js';

export interface DistributionMetricOptions extends ExtractOptions, LoadTrunkOptions {
  /** The feature extractor (default: the InceptionV3 trunk's pooled features at 299x299). */
  extractor?: FeatureExtractor;
}

async function features(a: ImageSet, b: ImageSet, options: DistributionMetricOptions, what: string, min: number) {
  const count = (s: ImageSet) => (Array.isArray(s) ? s.length : s.shape[0]);
  if (count(a) < min || count(b) < min) {
    throw new InvalidArgumentError(`${what} needs at least ${min} images per set, got ${count(a)} and ${count(b)}`);
  }
  const extractor = options.extractor ?? (await trunkFeatureExtractor(options));
  const total = count(a) + count(b);
  const onProgress = options.onProgress;
  const fa = await extractFeatures(a, extractor, {
    ...options,
    onProgress: onProgress && ((e) => onProgress({ ...e, total })),
  });
  const fb = await extractFeatures(b, extractor, {
    ...options,
    onProgress: onProgress && ((e) => onProgress({ ...e, step: e.step + count(a), total })),
  });
  return { fa, fb, dims: extractor.dims };
}

/**
 * Frechet distance between the feature statistics of two image sets (FID with the default extractor).
 * With the default trunk these are not the official FID Inception weights: compare values within
 * scalespace only. Needs at least 2 images per set (far more for a stable estimate).
 */
export async function fid(a: ImageSet, b: ImageSet, options: DistributionMetricOptions = {}): Promise<number> {
  const { fa, fb, dims } = await features(a, b, options, 'fid', 2);
  return frechetDistance(featureStatistics(fa, dims), featureStatistics(fb, dims));
}

/** Kernel distance (KID with the default extractor): unbiased MMD^2, cubic polynomial kernel, mean and std over subsets. */
export async function kid(
  a: ImageSet,
  b: ImageSet,
  options: DistributionMetricOptions & KidOptions = {},
): Promise<KidResult> {
  const { fa, fb, dims } = await features(a, b, options, 'kid', 2);
  return kernelDistance(fa, fb, dims, options);
}

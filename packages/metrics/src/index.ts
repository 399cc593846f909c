// The Node entry: everything in browser.ts, plus the metrics whose models are read from files.

export type { BrisqueModel, BrisqueOptions } from './brisque.js';
export { brisque, brisqueFeatures, loadBrisqueModel } from './brisque.js';
export * from './browser.js';
export type {
  ExtractOptions,
  FeatureExtractor,
  ImageSet,
  SpatialFeatureExtractor,
  TrunkExtractorOptions,
} from './features.js';
export { earlyFeatureExtractor, extractFeatures, trunkFeatureExtractor } from './features.js';
export type { DistributionMetricOptions } from './fid.js';
export { fid, kid } from './fid.js';
export type { LpipsNet, LpipsOptions } from './lpips.js';
export { lpips, lpipsTensorShapes } from './lpips.js';
export type { PerceptualDistance, PerceptualDistanceOptions } from './perceptual.js';
export { perceptualDistance } from './perceptual.js';
export type { SifidOptions } from './sifid.js';
export { sifid, sifidPerImage } from './sifid.js';
export type { LoadTrunkOptions, TrunkName } from './trunk.js';
export { FeatureTrunk, loadTrunk, TRUNK_LAYERS, trunkCacheDir } from './trunk.js';

export type { ImageDistance } from './apd.js';
export { apd, mseDistance } from './apd.js';
export type { BitsPerDimOptions } from './bits-per-dim.js';
export { bitsPerDim } from './bits-per-dim.js';
export type { BrisqueModel, BrisqueOptions } from './brisque.js';
export { brisque, brisqueFeatures, loadBrisqueModel } from './brisque.js';
export { rgbToY } from './color.js';
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
export type { FeatureStatistics } from './frechet.js';
export { featureStatistics, frechetDistance, gaussianStatistics, traceSqrtProduct } from './frechet.js';
export type { KidOptions, KidResult } from './kid.js';
export { kernelDistance } from './kid.js';
export type { LpipsNet, LpipsOptions } from './lpips.js';
export { lpips, lpipsTensorShapes } from './lpips.js';
export type { LrPsnrOptions } from './lr-psnr.js';
export { lrPsnr } from './lr-psnr.js';
export { MS_SSIM_WEIGHTS, msSsim, msSsimPerImage } from './ms-ssim.js';
export type { PerceptualDistance, PerceptualDistanceOptions } from './perceptual.js';
export { perceptualDistance } from './perceptual.js';
export type { PsnrOptions } from './psnr.js';
export { psnr, psnrPerImage } from './psnr.js';
export type { SifidOptions } from './sifid.js';
export { sifid, sifidPerImage } from './sifid.js';
export type { SsimOptions } from './ssim.js';
export { gaussianWindow, ssim, ssimMap, ssimPerImage } from './ssim.js';
export type { LoadTrunkOptions, TrunkName } from './trunk.js';
export { FeatureTrunk, loadTrunk, TRUNK_LAYERS, trunkCacheDir } from './trunk.js';

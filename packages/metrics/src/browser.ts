// The API that runs everywhere, browsers included (the package's `browser` export condition). index.ts adds
// what loads model files from disk (BRISQUE's model, the feature trunk behind FID / KID / SIFID / LPIPS).
export type { ImageDistance } from './apd.js';
export { apd, mseDistance } from './apd.js';
export type { BitsPerDimOptions } from './bits-per-dim.js';
export { imageBitsPerDim } from './bits-per-dim.js';
export { rgbToY } from './color.js';
export type { FeatureStatistics } from './frechet.js';
export { featureStatistics, frechetDistance, gaussianStatistics, traceSqrtProduct } from './frechet.js';
export type { KidOptions, KidResult } from './kid.js';
export { kernelDistance } from './kid.js';
export type { LrPsnrOptions } from './lr-psnr.js';
export { lrPsnr } from './lr-psnr.js';
export { MS_SSIM_WEIGHTS, msSsim, msSsimPerImage } from './ms-ssim.js';
export type { PsnrOptions } from './psnr.js';
export { psnr, psnrPerImage } from './psnr.js';
export type { SsimOptions } from './ssim.js';
export { gaussianWindow, ssim, ssimMap, ssimPerImage } from './ssim.js';

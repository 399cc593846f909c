// The API that runs everywhere, browsers included (the package's `browser` export condition);
// index.ts adds the Node-only part: the trainers (run folders, a worker thread) and animation files.
export { loadSingleImageModel, modelMethod } from './load-model.js';
export type { PatchMatchOptions } from './patch-match.js';
export { patchMatch } from './patch-match.js';
export type { PetsGANConfig } from './petsgan.js';
export { PETSGAN_FORMAT, PetsGAN, PetsGANNet } from './petsgan.js';
export { LowResCritic, LowResGenerator, PatchCritic, RestorationNet } from './petsgan-networks.js';
export type { Size } from './pyramid-sizes.js';
export { parseSize, pyramidSizes, scaleSizes } from './pyramid-sizes.js';
export type { SinGANConfig } from './singan.js';
export { SINGAN_FORMAT, SinGAN, SinGANNet } from './singan.js';
export { SinGANDiscriminator, SinGANGenerator } from './singan-networks.js';
export type * from './single-image-model.js';
export { syntheticImage } from './test-image.js';
export type { TpsWarpOptions } from './tps-warp.js';
export { thinPlateSpline, tpsWarp } from './tps-warp.js';
export type { GradientPenaltyOptions, PenaltyNorm } from './wgan-gp.js';
export { gradientPenalty } from './wgan-gp.js';

// The Node entry: everything in browser.ts, plus the trainers and writing animations to files.

export type { WriteAnimationOptions } from './animation.js';
export { writeAnimation } from './animation.js';
export * from './browser.js';
export type { PetsGANTrainOptions, TrainPetsGANOptions } from './train-petsgan.js';
export { petsganSizes, resolvePetsGANOptions, trainPetsGAN } from './train-petsgan.js';
export type { SinGANTrainOptions, TrainSinGANOptions } from './train-singan.js';
export { resolveSinGANOptions, trainSinGAN } from './train-singan.js';

// The Node entry: everything in browser.ts, plus the trainers and writing animations to files.

export type { WriteAnimationOptions } from './animation.js';
export { writeAnimation } from './animation.js';
export * from './browser.js';
export type { PetsGANTrainOptions, TrainPetsGANOptions } from './petsgan-options.js';
export { petsganSizes } from './petsgan-options.js';
export type { SinGANTrainOptions, TrainSinGANOptions } from './singan-options.js';
export { superResolutionOptions } from './singan-options.js';
export { trainPetsGAN } from './train-petsgan.js';
export { trainSinGAN } from './train-singan.js';
export type { SingleImageRunOptions } from './train-state.js';

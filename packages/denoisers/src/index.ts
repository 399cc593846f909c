export type { AscentOptions, AscentResult, LinearConstraint, Residual } from './ascent.js';
export { ascentSample, ascentStepSize, predictAscentSteps } from './ascent.js';
export type { BfCnnConfig } from './bf-cnn.js';
export { BfCnn } from './bf-cnn.js';
export type { BiasFreeBatchNormOptions } from './bias-free-batch-norm.js';
export { BiasFreeBatchNorm } from './bias-free-batch-norm.js';
export { createDenoiser, loadDenoiser, saveDenoiser } from './checkpoint-io.js';
export { FlatDenoiser } from './flat-denoiser.js';
export type { GaussianDenoiserOptions } from './gaussian-denoiser.js';
export { GaussianDenoiser } from './gaussian-denoiser.js';
export { MultiscaleDenoiser } from './multiscale-denoiser.js';
export type { HostImage, PatchBatchOptions } from './patch-sampler.js';
export { samplePatchBatch } from './patch-sampler.js';
export { kernelSizesForReceptiveField, receptiveField } from './receptive-field.js';
export type { TiledDenoiseOptions, TiledDenoiseResult } from './tiled-denoise.js';
export { denoiserBytesPerPixel, denoiserReach, denoiseTiled } from './tiled-denoise.js';
export type { TrainDenoiserOptions, TrainDenoiserResult } from './train-denoiser.js';
export { LEGACY_TRAINING_STATE_FILE, TRAINING_STATE_FILE, trainDenoiser } from './train-denoiser.js';
export type {
  DenoiseOptions,
  DenoiseResult,
  Denoiser,
  DenoiserConfig,
  FlatDenoiserConfig,
  MultiscaleDenoiserConfig,
  NetShape,
  SampleOptions,
  SampleResult,
  SamplerSettings,
  SuperResolveOptions,
} from './types.js';

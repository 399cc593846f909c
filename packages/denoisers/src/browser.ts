// The API that runs everywhere, browsers included (the package's `browser` export condition);
// index.ts adds the Node-only trainer (run folders, checkpoints on disk).
export type { AscentOptions, AscentResult, LinearConstraint, Residual } from './ascent.js';
export { ascentSample, ascentStepSize, predictAscentSteps } from './ascent.js';
export type { GaussianBlurOptions } from './basis-operators.js';
export { gaussianBlurOperator, randomProjectionOperator } from './basis-operators.js';
export type { BFCNNConfig } from './bf-cnn.js';
export { BFCNN } from './bf-cnn.js';
export type { BiasFreeBatchNormOptions } from './bias-free-batch-norm.js';
export { BiasFreeBatchNorm } from './bias-free-batch-norm.js';
export { createDenoiser, loadDenoiser, saveDenoiser } from './checkpoint-io.js';
export { convertKadkhodaie, flatDenoiserFromTorch, multiscaleDenoiserFromTorch } from './convert-official.js';
export * from './deprecated.js';
export { FlatDenoiser } from './flat-denoiser.js';
export type { GaussianDenoiserOptions } from './gaussian-denoiser.js';
export { GaussianDenoiser } from './gaussian-denoiser.js';
export { harmonicFill } from './harmonic-fill.js';
export type { InverseProblemOptions, InverseProblemResult } from './inverse-problem.js';
export { solveInverseProblem } from './inverse-problem.js';
export type { LinearOperator, MaskOperatorOptions, SolverProjection } from './linear-operators.js';
export { blockAverageOperator, maskOperator, randomPixelsOperator } from './linear-operators.js';
export { MultiscaleDenoiser } from './multiscale-denoiser.js';
export type { HostImage, PatchBatchOptions } from './patch-sampler.js';
export { samplePatchBatch } from './patch-sampler.js';
export { kernelSizesForReceptiveField, receptiveField } from './receptive-field.js';
export { bicubicDownsampleOperator } from './resize-operator.js';
export type { TiledDenoiseOptions, TiledDenoiseResult } from './tiled-denoise.js';
export { denoiserBytesPerPixel, denoiserReach, denoiseTiled } from './tiled-denoise.js';
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

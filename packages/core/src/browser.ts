// The API that runs everywhere, browsers included (the package's `browser` export condition); index.ts
// adds run directories, which need Node's file system.

// The chained ops' types (x.add(y), ...) in the published declarations, as the tfjs umbrella's had them.
export type * from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
export { writeFileAtomic } from './atomic-write.js';
export type { AdapterInfo, BackendInfo, BackendName, BackendRung, InitBackendOptions, RungContext } from './backend.js';
export { backendInfo, backendLadder, hostBackend, initBackend } from './backend.js';
export { bitsPerDim } from './bits-per-dim.js';
export type { CheckpointInfo, CheckpointSource } from './checkpoint.js';
export { CONFIG_FILE, loadCheckpoint, loadTensors, saveCheckpoint, saveTensors, WEIGHTS_FILE } from './checkpoint.js';
export { registerDilatedConvGradients } from './conv-gradients.js';
export {
  AbortError,
  BackendUnavailableError,
  CheckpointError,
  ConfigError,
  InterruptedError,
  InvalidArgumentError,
  InvalidImageError,
  MemoryLimitError,
  RunDirectoryError,
  ScalespaceError,
} from './errors.js';
export { gaussianKl, gaussianLogProb, gaussianSample } from './gaussian.js';
export type { AnimatedGifOptions, Channels, ImageGridOptions, ReadImageOptions } from './image-io.js';
export {
  assertImageTensor,
  imageFromPixels,
  imageGrid,
  readImage,
  toBytes,
  toImageData,
  writeAnimatedGif,
  writeImage,
} from './image-io.js';
export type {
  Conv2dOptions,
  ConvTranspose2dOptions,
  DepthwiseConv2dOptions,
  LinearOptions,
  Padding,
} from './layers.js';
export { Conv2d, ConvTranspose2d, DepthwiseConv2d, Linear } from './layers.js';
export type { LogisticMixtureOptions, LogisticMixtureSampleOptions } from './logistic-mixture.js';
export {
  logisticMixtureLogProb,
  logisticMixtureParamCount,
  logisticMixtureSample,
  MIN_LOG_SCALE,
} from './logistic-mixture.js';
export type { MemoryBudget } from './memory-budget.js';
export {
  assertFitsMemory,
  formatBytes,
  largestFitting,
  measurePeakBytes,
  memoryBudget,
  parseBytes,
  setMemoryBudget,
  WASM_HEAP_MAX,
} from './memory-budget.js';
export { registerMirrorPadGradient } from './mirror-pad-gradient.js';
export type { LoadStateDictOptions, StateDict } from './module.js';
export { Module } from './module.js';
export type { AdamOptions, ClipResult, Schedule } from './optim.js';
export { Adam, clipByGlobalNorm, Ema, exponentialDecay, globalNorm, linearWarmup } from './optim.js';
export type { LongWorkOptions, ProgressEvent, StepResult, TrainLoopOptions } from './progress.js';
export {
  formatProgress,
  ProgressTracker,
  progressBar,
  throwIfAborted,
  trainLoop,
  yieldToEventLoop,
} from './progress.js';
export type { Rng } from './rng.js';
export { rng } from './rng.js';
export type { Fingerprint } from './run-dir/fingerprint.js';
export { contentHash, fingerprintDifferences } from './run-dir/fingerprint.js';
export type { EncodeOptions, HostTensor, Safetensors } from './safetensors.js';
export { decodeSafetensors, encodeSafetensors } from './safetensors.js';
export { tf } from './tf.js';
export { PickleGlobal, PickleObject } from './torch/pickle-objects.js';
export type { ReadTorchCheckpointOptions, TorchCheckpoint } from './torch/read-torch-checkpoint.js';
export { readTorchCheckpoint } from './torch/read-torch-checkpoint.js';
export type { TorchDtype, TorchTensor } from './torch/storage.js';
export { isTorchTensor } from './torch/storage.js';
export type { TorchFiles } from './torch/torch-files.js';
export { torchFilesAt } from './torch/torch-files.js';
export { setWasmPaths } from './wasm-paths.js';
export type { BytesSource } from './weights-source.js';
export { modelSource, packageAsset, readBytes, sourceName } from './weights-source.js';

export { writeFileAtomic } from './atomic-write.js';
export type { BackendInfo, BackendName, BackendRung, InitBackendOptions } from './backend.js';
export { backendInfo, backendLadder, initBackend } from './backend.js';
export { bitsPerDim } from './bits-per-dim.js';
export type { CheckpointInfo } from './checkpoint.js';
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
export type { Channels, ImageGridOptions, ReadImageOptions } from './image-io.js';
export { assertImageTensor, imageGrid, readImage, toBytes, writeImage } from './image-io.js';
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
export { LOCK_FILE } from './run-dir/lock.js';
export type { OpenRunOptions, RunRecord } from './run-dir/run-directory.js';
export { holdsRun, RUN_FILE, RunDirectory } from './run-dir/run-directory.js';
export type { LogEntry } from './run-dir/run-log.js';
export { LOG_FILE, readRunLog } from './run-dir/run-log.js';
export type { SavedTrainingState } from './run-dir/training-state.js';
export {
  groupTensors,
  loadTrainingState,
  saveTrainingState,
  splitGroups,
  TRAINING_STATE_FILE,
} from './run-dir/training-state.js';
export type { HostTensor, Safetensors } from './safetensors.js';
export { decodeSafetensors, encodeSafetensors } from './safetensors.js';
export { setWasmPaths, tf } from './tf.js';
export { registerWasmTrainingKernels } from './wasm-training-kernels.js';

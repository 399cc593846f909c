// The Node entry: everything in browser.ts, plus training runs (folders, logs) and MNIST from disk.
export * from './browser.js';
export * from './deprecated-node.js';
export { loadMnist32 } from './mnist32.js';
export type { TrainCVDVAEOptions } from './train-cvdvae.js';
export { trainCVDVAE } from './train-cvdvae.js';
export type { TrainVDVAEOptions } from './train-vdvae.js';
export { evaluateElbo, trainVDVAE } from './train-vdvae.js';
export type { OptimizerSettings, TrainingRunResult, TrainLogEntry } from './training.js';
export { DEFAULT_OPTIMIZER, LOG_FILE, readTrainLog, TRAINING_STATE_FILE } from './training.js';

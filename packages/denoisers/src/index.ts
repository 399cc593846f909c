// The Node entry: everything in browser.ts, plus the trainer.
export * from './browser.js';
export type { TrainDenoiserOptions, TrainDenoiserResult } from './train-denoiser.js';
export { LEGACY_TRAINING_STATE_FILE, TRAINING_STATE_FILE, trainDenoiser } from './train-denoiser.js';

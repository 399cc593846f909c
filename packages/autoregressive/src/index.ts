// The Node entry: everything in browser.ts, plus the trainer.
export * from './browser.js';
export type { TrainOptions, TrainResult } from './train.js';
export { trainModel } from './train.js';

// The Node entry: everything in browser.ts, plus run directories (locks, logs, training state on disk).
export * from './browser.js';
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

import type { LongWorkOptions } from '@scalespace/core';
import type { Progress } from './protocol.js';

/** What every task gets besides its input: the cancel signal and a way to report progress. */
export interface TaskContext {
  signal: AbortSignal;
  report(progress: Progress): void;
}

/** A task's context as the `{ onProgress, signal }` that scalespace's long calls accept. */
export function longWork(context: TaskContext, phase?: string): LongWorkOptions {
  return {
    signal: context.signal,
    onProgress: (event) => context.report({ step: event.step, total: event.total, phase: phase ?? event.phase }),
  };
}

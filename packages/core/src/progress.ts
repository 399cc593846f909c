import { AbortError, InterruptedError, InvalidArgumentError } from './errors.js';

/** What long work reports as it goes. */
export interface ProgressEvent {
  /** Steps done so far (1-based after the first step). */
  step: number;
  /** Steps in all. */
  total: number;
  /** Loss of the last step, for training loops. */
  loss?: number;
  /** Other numbers worth showing (bits/dim, learning rate, ...). */
  metrics?: Record<string, number>;
  /** Seconds left at the pace so far. */
  etaSeconds: number;
  /** Which part of the work, for multi-phase jobs ("scale 3/8", "warm-up G"). */
  phase?: string;
}

/** Options every training loop and sampler in scalespace accepts. */
export interface LongWorkOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** Throws AbortError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'work'): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
    throw new AbortError(`${what} aborted${reason}`, { cause: signal.reason });
  }
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Lets timers and I/O (an abort from Ctrl-C, a progress repaint) run between synchronous tensor steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/** Turns step timings into ETA estimates and progress events. */
export class ProgressTracker {
  readonly #total: number;
  readonly #startStep: number;
  readonly #started = now();
  readonly #onProgress?: (event: ProgressEvent) => void;

  constructor(total: number, options: { startStep?: number; onProgress?: (event: ProgressEvent) => void } = {}) {
    if (!Number.isInteger(total) || total < 0)
      throw new InvalidArgumentError(`progress total must be a non-negative integer, got ${total}`);
    this.#total = total;
    this.#startStep = options.startStep ?? 0;
    this.#onProgress = options.onProgress;
  }

  /** Reports that `step` steps are done. */
  report(step: number, extra: Omit<ProgressEvent, 'step' | 'total' | 'etaSeconds'> = {}): ProgressEvent {
    const done = step - this.#startStep;
    const elapsed = (now() - this.#started) / 1000;
    const etaSeconds = done > 0 ? (elapsed / done) * Math.max(0, this.#total - step) : Number.NaN;
    const event: ProgressEvent = { step, total: this.#total, etaSeconds, ...extra };
    this.#onProgress?.(event);
    return event;
  }

  /** Seconds since the tracker started. */
  get elapsedSeconds(): number {
    return (now() - this.#started) / 1000;
  }
}

export interface TrainLoopOptions extends LongWorkOptions {
  /** Steps in all (the loop runs steps startStep .. total - 1). */
  total: number;
  /** Resume from this step (default 0). */
  startStep?: number;
  /** One step; may return the loss (and other metrics) to report. */
  step: (index: number) => Promise<StepResult> | StepResult;
  /** Called every `checkpointEvery` steps and after the last one, e.g. to save a checkpoint. */
  onCheckpoint?: (stepsDone: number) => Promise<void> | void;
  checkpointEvery?: number;
  /** Phase label passed through to progress events. */
  phase?: string;
}

// biome-ignore lint/suspicious/noConfusingVoidType: steps that report nothing may return void
export type StepResult = number | { loss?: number; metrics?: Record<string, number> } | undefined | void;

/**
 * The loop every trainer uses: runs `step` for each index, checks the AbortSignal before each
 * step, yields to the event loop between steps, reports progress with an ETA and calls
 * `onCheckpoint` on schedule. An abort throws AbortError after the last finished step's checkpoint
 * (if any) is intact: the loop never interrupts a step or a checkpoint half-way. An abort whose
 * reason is an `InterruptedError` (the user's Ctrl-C or SIGTERM) first checkpoints the last
 * finished step, then throws an InterruptedError saying so.
 */
export async function trainLoop(
  options: TrainLoopOptions,
): Promise<{ steps: number; seconds: number; lastLoss?: number }> {
  const { total, startStep = 0, step, signal, onCheckpoint, checkpointEvery, phase } = options;
  if (!Number.isInteger(startStep) || startStep < 0 || startStep > total) {
    throw new InvalidArgumentError(`trainLoop: startStep must be an integer in [0, ${total}], got ${startStep}`);
  }
  if (checkpointEvery !== undefined && (!Number.isInteger(checkpointEvery) || checkpointEvery < 1)) {
    throw new InvalidArgumentError(`trainLoop: checkpointEvery must be a positive integer, got ${checkpointEvery}`);
  }
  const tracker = new ProgressTracker(total, { startStep, onProgress: options.onProgress });
  let lastLoss: number | undefined;
  let saved = startStep;
  for (let i = startStep; i < total; i++) {
    if (signal?.aborted && signal.reason instanceof InterruptedError && onCheckpoint && i > startStep) {
      // The user stopped the run (Ctrl-C, SIGTERM): keep every finished step.
      if (saved < i) await onCheckpoint(i);
      saved = i;
      throw new InterruptedError(
        `${phase ?? 'training'} interrupted after step ${i} of ${total}; a checkpoint was written (continue with --resume)`,
        { cause: signal.reason },
      );
    }
    throwIfAborted(signal, phase ? `${phase}` : 'training');
    const result = await step(i);
    const loss = typeof result === 'number' ? result : result?.loss;
    const metrics = typeof result === 'object' && result ? result.metrics : undefined;
    if (loss !== undefined) lastLoss = loss;
    const done = i + 1;
    tracker.report(done, { ...(loss !== undefined && { loss }), ...(metrics && { metrics }), ...(phase && { phase }) });
    if (onCheckpoint && ((checkpointEvery && done % checkpointEvery === 0) || done === total)) {
      await onCheckpoint(done);
      saved = done;
    }
    await yieldToEventLoop();
  }
  return { steps: total - startStep, seconds: tracker.elapsedSeconds, ...(lastLoss !== undefined && { lastLoss }) };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line describing a progress event: `label [#####.....] 50/100 loss 0.1234 eta 12s`. */
export function formatProgress(event: ProgressEvent, label = '', width = 24): string {
  const fraction = event.total > 0 ? Math.min(1, event.step / event.total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const parts = [label || event.phase || '', bar, `${event.step}/${event.total}`];
  if (event.loss !== undefined) parts.push(`loss ${event.loss.toPrecision(4)}`);
  for (const [k, v] of Object.entries(event.metrics ?? {})) parts.push(`${k} ${v.toPrecision(4)}`);
  parts.push(`eta ${formatSeconds(event.etaSeconds)}`);
  return parts.filter(Boolean).join(' ');
}

/**
 * A terminal progress bar for the CLI: repaints one line on a TTY, prints a line every 10% otherwise.
 * Phases that run at once (events with different `phase`s, interleaved) share the line; a phase's
 * last step leaves its line on screen. Returns an `onProgress` callback; call `.done()` to finish the line.
 */
export function progressBar(
  label = '',
  stream: { write(s: string): unknown; isTTY?: boolean } = process.stderr,
): ((event: ProgressEvent) => void) & { done(): void } {
  const lastDecile = new Map<string, number>();
  const running = new Map<string, ProgressEvent>();
  let lastPaint = 0;
  let painted = false;
  const paint = () => {
    const lines = [...running.values()].map((e) => formatProgress(e, label));
    stream.write(`\r\x1b[2K${lines.join('  |  ')}`);
    painted = lines.length > 0;
  };
  const render = (event: ProgressEvent) => {
    const phase = event.phase ?? '';
    if (stream.isTTY) {
      if (event.step >= event.total) {
        // Finished: its final line stays, the others repaint below it.
        running.delete(phase);
        stream.write(`\r\x1b[2K${formatProgress(event, label)}\n`);
        painted = false;
        if (running.size > 0) paint();
        return;
      }
      running.set(phase, event);
      const t = now();
      if (t - lastPaint < 100) return;
      lastPaint = t;
      paint();
    } else {
      const decile = Math.floor((event.step / Math.max(1, event.total)) * 10);
      if (decile !== lastDecile.get(phase)) {
        lastDecile.set(phase, decile);
        stream.write(`${formatProgress(event, label)}\n`);
      }
    }
  };
  return Object.assign(render, {
    done() {
      if (stream.isTTY && painted) stream.write('\n');
      painted = false;
      running.clear();
    },
  });
}

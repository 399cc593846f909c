// The page's handle on the compute worker: typed task calls with progress and an AbortSignal. Cancelling asks the
// worker to stop (scalespace's long calls check their signal between steps); a synchronous model call cannot
// hear that, so a worker that has not stopped shortly after is ended and a fresh one starts on the next call
// (the models load again, from the browser's cache).
import type { ComputeStatus, Progress, Reply, Request } from './protocol.js';
import type { TaskName, Tasks } from './tasks/index.js';

type Input<K extends TaskName> = Parameters<Tasks[K]>[0];
type Output<K extends TaskName> = Awaited<ReturnType<Tasks[K]>>;

export interface RunOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

interface Pending {
  resolve(output: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: Progress) => void;
}

/** How long a cancelled task may take to stop before its worker is ended. */
const GRACE_MS = 300;

export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class ComputeClient {
  /** The backend asked for (`?backend=`), or null for the ladder's choice. */
  readonly backend: string | null;
  #worker: Worker | null = null;
  #ready: Promise<ComputeStatus> | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #listeners: Array<(status: ComputeStatus | { starting: true } | { error: string }) => void> = [];

  constructor(backend: string | null) {
    this.backend = backend;
  }

  /** Follows the worker's state: starting, its backend and tensor count after each task, or a start error. */
  onStatus(listener: (status: ComputeStatus | { starting: true } | { error: string }) => void): void {
    this.#listeners.push(listener);
  }

  /** Starts the worker and its backend (once; again after a cancelled synchronous call ended it). */
  start(): Promise<ComputeStatus> {
    if (this.#ready) return this.#ready;
    this.#emit({ starting: true });
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'scalespace' });
    this.#worker = worker;
    this.#ready = new Promise<ComputeStatus>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<Reply>) => {
        const reply = event.data;
        if (reply.type === 'ready') {
          resolve(reply.status);
          this.#emit(reply.status);
        } else if (reply.type === 'error' && reply.id === null) {
          reject(new TaskError(reply.name, reply.message));
          this.#emit({ error: reply.message });
        } else this.#handle(reply);
      };
      worker.onerror = (event) => {
        const message = `the compute worker failed: ${event.message || 'it could not load'}`;
        reject(new Error(message));
        this.#emit({ error: message });
        this.#end(new Error(message));
      };
    });
    this.#post({ type: 'init', backend: this.backend });
    return this.#ready;
  }

  /** Runs a task in the worker. Rejects with an error named 'AbortError' when cancelled. */
  async run<K extends TaskName>(task: K, input: Input<K>, options: RunOptions = {}): Promise<Output<K>> {
    options.signal?.throwIfAborted();
    await this.start();
    const id = this.#nextId++;
    return new Promise<Output<K>>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: resolve as (output: unknown) => void,
        reject,
        onProgress: options.onProgress,
      });
      options.signal?.addEventListener('abort', () => this.#cancel(id), { once: true });
      this.#post({ type: 'run', id, task, input });
    });
  }

  #handle(reply: Reply): void {
    if (reply.type === 'ready' || reply.id === null) return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'progress') pending.onProgress?.(reply.progress);
    else if (reply.type === 'done') {
      this.#pending.delete(reply.id);
      pending.resolve(reply.output);
      this.#emit(reply.status);
    } else if (reply.type === 'error') {
      this.#pending.delete(reply.id);
      pending.reject(new TaskError(reply.name, reply.message));
    }
  }

  #cancel(id: number): void {
    if (!this.#pending.has(id)) return;
    this.#post({ type: 'cancel', id });
    setTimeout(() => {
      if (this.#pending.has(id)) this.#end(new TaskError('AbortError', 'cancelled'));
    }, GRACE_MS);
  }

  /** Ends the worker: every pending task fails with `error`; the next call starts a fresh worker. */
  #end(error: Error): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = null;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #post(request: Request): void {
    this.#worker?.postMessage(request);
  }

  #emit(status: ComputeStatus | { starting: true } | { error: string }): void {
    for (const listener of this.#listeners) listener(status);
  }
}

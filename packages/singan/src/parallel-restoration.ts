import { AbortError, type ProgressEvent } from '@scalespace/core';
import type { RestorationJob, RestorationMessage, RestorationSnapshot } from './restoration-worker.js';

/** A restoration warm-up running in a worker thread. */
export interface RestorationWorker {
  /** The final snapshot; rejects with the worker's error, or an AbortError after an abort. */
  finished: Promise<RestorationSnapshot>;
  /** Stops the worker now (when the trainer's own phase fails). */
  terminate(): Promise<void>;
}

export interface StartRestorationWorkerOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Every snapshot the worker posts (at its checkpoints and the final one). */
  onSnapshot: (snapshot: RestorationSnapshot) => void;
  signal?: AbortSignal;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * The worker's script: the built `restoration-worker.js` beside this bundle, or, when this module
 * runs from its TypeScript source (tests, scripts under tsx), the source loaded through tsx.
 * Null when neither can run, and the trainer then runs the warm-up in its own thread.
 */
async function workerSource(): Promise<{ code: string; eval: true } | { code: URL; eval: false } | null> {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const { createRequire } = await import('node:module');
    try {
      createRequire(fileURLToPath(here)).resolve('tsx/esm/api');
    } catch {
      return null;
    }
    const entry = new URL('./restoration-worker.ts', here).href;
    const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
    return { code, eval: true };
  }
  const entry = new URL('./restoration-worker.js', here);
  return existsSync(fileURLToPath(entry)) ? { code: entry, eval: false } : null;
}

/**
 * Starts PetsGAN's restoration warm-up in a worker thread (Node only), so it trains on a second
 * core while the low-res GAN trains on this one: the two phases share nothing until the joint
 * phase. Resolves null where worker threads are unavailable.
 */
export async function startRestorationWorker(
  job: RestorationJob,
  options: StartRestorationWorkerOptions,
): Promise<RestorationWorker | null> {
  if (!isNode) return null;
  const source = await workerSource();
  if (!source) return null;
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(source.code, { eval: source.eval, workerData: job });
  const abort = () => worker.postMessage({ type: 'abort' });
  options.signal?.addEventListener('abort', abort, { once: true });
  let settled = false;
  const finished = new Promise<RestorationSnapshot>((resolve, reject) => {
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', abort);
      finish();
      void worker.terminate();
    };
    worker.on('message', (m: RestorationMessage) => {
      if (m.type === 'progress') options.onProgress?.(m.event);
      else if (m.type === 'snapshot') {
        options.onSnapshot(m);
        if (m.done === job.options.restorationIterations) settle(() => resolve(m));
      } else {
        const error =
          m.name === 'AbortError'
            ? new AbortError(m.message)
            : Object.assign(new Error(`restoration worker: ${m.message}`), { name: m.name, stack: m.stack });
        settle(() => reject(error));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the restoration worker stopped (exit code ${code}) before it finished`))),
    );
  });
  return {
    finished,
    async terminate() {
      settled = true;
      options.signal?.removeEventListener('abort', abort);
      await worker.terminate();
    },
  };
}

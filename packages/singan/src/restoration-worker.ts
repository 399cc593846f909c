// The entry of the worker thread that runs PetsGAN's restoration warm-up beside the low-res GAN
// (started by `parallel-restoration.ts`). It rebuilds the restoration network from the job, runs
// the same steps the trainer would run in its own thread, and posts progress and snapshots back.
import { parentPort, workerData } from 'node:worker_threads';
import { AbortError, type BackendName, initBackend, type ProgressEvent, rng, tf, trainLoop } from '@scalespace/core';
import { fromHost, fromHostTensor, type HostTensor, type HostTensors, toHost } from './host-tensors.js';
import { RestorationNet, type RestorationNetOptions } from './petsgan-networks.js';
import { type RestorationWarmupOptions, restorationWarmup } from './restoration-warmup.js';

/** What the trainer hands the worker. */
export interface RestorationJob {
  backend: BackendName;
  net: Omit<RestorationNetOptions, 'rng'>;
  weights: HostTensors;
  /** Saved optimiser moments when resuming mid-warm-up. */
  adam: { state: HostTensors; iterations: number } | null;
  pairs: { lowRes: HostTensor[]; highRes: HostTensor[] };
  options: RestorationWarmupOptions;
  seed: number;
  startStep: number;
  /** Post a snapshot every n steps (undefined: only the final one). */
  checkpointEvery?: number;
}

/** A consistent moment of the warm-up: weights and optimiser after `done` steps. */
export interface RestorationSnapshot {
  done: number;
  weights: HostTensors;
  adam: { state: HostTensors; iterations: number };
}

export type RestorationMessage =
  | { type: 'progress'; event: ProgressEvent }
  | ({ type: 'snapshot' } & RestorationSnapshot)
  | { type: 'error'; name: string; message: string; stack?: string };

async function run(job: RestorationJob, post: (m: RestorationMessage) => void, signal: AbortSignal): Promise<void> {
  await initBackend(job.backend, { log: false });
  const net = new RestorationNet({ ...job.net, rng: rng(0) });
  const pairs = {
    lowRes: job.pairs.lowRes.map((h) => fromHostTensor<tf.Tensor4D>(h)),
    highRes: job.pairs.highRes.map((h) => fromHostTensor<tf.Tensor4D>(h)),
  };
  const weights = fromHost(job.weights);
  net.loadStateDict(weights);
  tf.dispose(Object.values(weights));
  // The same stream as the trainer's own restoration phase: rng(seed).fork('restoration').
  const { optimizer, step } = restorationWarmup(net, pairs, job.options, rng(job.seed).fork('restoration'));
  if (job.adam) {
    const state = fromHost(job.adam.state);
    optimizer.loadStateDict(state, job.adam.iterations);
    tf.dispose(Object.values(state));
  }
  await trainLoop({
    total: job.options.restorationIterations,
    startStep: job.startStep,
    phase: 'restoration',
    signal,
    onProgress: (event) => post({ type: 'progress', event }),
    checkpointEvery: job.checkpointEvery,
    onCheckpoint: async (done) =>
      post({
        type: 'snapshot',
        done,
        weights: await toHost(net.stateDict()),
        adam: { state: await toHost(optimizer.stateDict()), iterations: optimizer.iterations },
      }),
    step,
  });
}

const port = parentPort;
if (port) {
  const stop = new AbortController();
  port.on('message', (m: { type?: string }) => {
    if (m?.type === 'abort') stop.abort();
  });
  const post = (m: RestorationMessage) => port.postMessage(m);
  run(workerData as RestorationJob, post, stop.signal)
    .catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      post({
        type: 'error',
        name: e instanceof AbortError ? 'AbortError' : e.name,
        message: e.message,
        stack: e.stack,
      });
    })
    // Nothing keeps the thread alive after the last message.
    .finally(() => port.unref());
}

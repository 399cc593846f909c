import { type BackendName, type ProgressEvent, tf } from '@scalespace/core';
import { fromHost, toHost, toHostTensor } from './host-tensors.js';
import { type RestorationWorker, startRestorationWorker } from './parallel-restoration.js';
import type { PetsGAN } from './petsgan.js';
import type { TrainingPairs } from './petsgan-dataset.js';
import type { RestorationWarmupOptions } from './restoration-warmup.js';
import type { RestorationSnapshot } from './restoration-worker.js';

/** Optimiser moments as tensors, with the optimiser's step count. */
export interface OptimizerState {
  state: Record<string, tf.Tensor>;
  iterations: number;
}

/**
 * PetsGAN's restoration warm-up trained in a worker thread beside the low-res GAN, as the trainer
 * sees it: the worker's latest snapshot, applied to the model when a checkpoint is written (so the
 * trainer's checkpoints carry the warm-up too), and a signal that fires when the worker fails.
 */
export class RestorationBeside {
  readonly #worker: RestorationWorker;
  #latest: RestorationSnapshot | null = null;
  #applied: RestorationSnapshot | null = null;
  #failure: unknown = null;
  readonly #failed = new AbortController();

  private constructor(worker: RestorationWorker) {
    this.#worker = worker;
    worker.finished.catch((error: unknown) => {
      this.#failure = error;
      this.#failed.abort(error);
    });
  }

  /**
   * Starts the warm-up of `model`'s restoration network from `startStep` (with `optimizer`, the saved
   * moments of a half-done one) in a worker. Null where worker threads are unavailable.
   * `onSnapshot` hears of every snapshot the worker posts (every `checkpointEvery` steps and its last).
   */
  static async start(options: {
    model: PetsGAN;
    pairs: TrainingPairs;
    o: RestorationWarmupOptions;
    seed: number;
    startStep: number;
    optimizer: OptimizerState | null;
    checkpointEvery: number | undefined;
    onProgress: (event: ProgressEvent) => void;
    onSnapshot: () => void;
    signal: AbortSignal | undefined;
  }): Promise<RestorationBeside | null> {
    const { model, pairs, o, optimizer } = options;
    const { config, net } = model;
    // Snapshots that come before this object exists wait here.
    let beside: RestorationBeside | null = null;
    let early: RestorationSnapshot | null = null;
    const worker = await startRestorationWorker(
      {
        backend: tf.getBackend() as BackendName,
        net: {
          factor: config.factor,
          channels: config.restorationChannels,
          kernelSize: config.restorationKernel,
          finalKernelSize: config.restorationFinalKernel,
        },
        weights: await toHost(net.restoration.stateDict()),
        adam: optimizer ? { state: await toHost(optimizer.state), iterations: optimizer.iterations } : null,
        pairs: {
          lowRes: await Promise.all(pairs.lowRes.map((t) => toHostTensor(t))),
          highRes: await Promise.all(pairs.highRes.map((t) => toHostTensor(t))),
        },
        options: {
          restorationIterations: o.restorationIterations,
          restorationLr: o.restorationLr,
          restorationNoise: o.restorationNoise,
        },
        seed: options.seed,
        startStep: options.startStep,
        checkpointEvery: options.checkpointEvery,
      },
      {
        onProgress: options.onProgress,
        onSnapshot: (snapshot) => {
          if (beside) beside.#latest = snapshot;
          else early = snapshot;
          options.onSnapshot();
        },
        signal: options.signal,
      },
    );
    if (!worker) return null;
    beside = new RestorationBeside(worker);
    beside.#latest = early;
    return beside;
  }

  /** Aborted, with the worker's error, when the worker fails. */
  get failed(): AbortSignal {
    return this.#failed.signal;
  }

  /** The worker's error, once it failed. */
  get failure(): unknown {
    return this.#failure;
  }

  /** A snapshot came that is not applied to the model yet. */
  get hasNewSnapshot(): boolean {
    return this.#latest !== null && this.#latest !== this.#applied;
  }

  /**
   * Applies the latest snapshot to `model` (its weights and `config.steps.restoration`) and returns its
   * optimiser moments as tensors (the caller disposes them); null before the first snapshot.
   */
  latestState(model: PetsGAN): OptimizerState | null {
    const latest = this.#latest;
    if (!latest) return null;
    this.#apply(model);
    return { state: fromHost(latest.adam.state), iterations: latest.adam.iterations };
  }

  /** Waits for the warm-up's end and applies its final snapshot to `model`. */
  async finish(model: PetsGAN): Promise<void> {
    this.#latest = await this.#worker.finished;
    this.#apply(model);
  }

  /** Stops the worker now. */
  terminate(): Promise<void> {
    return this.#worker.terminate();
  }

  #apply(model: PetsGAN): void {
    const latest = this.#latest;
    if (!latest || latest === this.#applied) return;
    const weights = fromHost(latest.weights);
    model.net.restoration.loadStateDict(weights);
    tf.dispose(Object.values(weights));
    model.config.steps.restoration = latest.done;
    this.#applied = latest;
  }
}

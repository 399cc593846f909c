import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Adam,
  clipByGlobalNorm,
  Ema,
  exponentialDecay,
  InvalidArgumentError,
  type LongWorkOptions,
  loadCheckpoint,
  loadTrainingState,
  RunDirectory,
  saveCheckpoint,
  saveTrainingState,
  tf,
  trainLoop,
  WEIGHTS_FILE,
} from '@scalespace/core';
import type { AutoregressiveModel, SavedModelInfo } from './model-io.js';

// Maximum-likelihood training shared by PixelCNN++ and PixelPyramids, with the paper's optimiser:
// Adam (betas 0.95, 0.9995), exponential learning-rate decay, Polyak averaging (EMA) of the weights,
// global-norm clipping. With `out`, the run follows core's run-directory contract: the training state
// (weights, their EMA and the optimiser moments) in `training-state.safetensors`, the model (weights and
// EMA, what `loadModel` reads) in `model.safetensors`, a JSON-lines log, so `resume` continues exactly
// where a run stopped (the batch for step i must be a function of i).

export interface TrainOptions extends LongWorkOptions {
  steps: number;
  /** The int32 batch [N, H, W, C] for a step; same step, same batch. */
  batch: (step: number) => tf.Tensor4D | Promise<tf.Tensor4D>;
  lr?: number;
  /** Multiplies the learning rate every step (PixelPyramids: 0.999995). */
  lrDecay?: number;
  beta1?: number;
  beta2?: number;
  emaDecay?: number;
  clipNorm?: number;
  /** Checkpoint directory; written every `checkpointEvery` steps and at the end. */
  out?: string;
  checkpointEvery?: number;
  /** Continue the run in `out` (refused when there is none, or when it was made with other options). */
  resume?: boolean;
  /** Start over in a non-empty `out` (its run's files are replaced). */
  force?: boolean;
  /** Facts saved with the checkpoint (data, its hash, seed, ...); a resume with other facts is refused. */
  training?: Record<string, unknown>;
  /** Stop (with a checkpoint) after this much training time; for equal wall-clock comparisons. */
  maxSeconds?: number;
  /** Called after each step with the loss in bits/dim (the same entry goes to `out/log.jsonl`). */
  log?: (entry: TrainLogEntry) => void;
}

export interface TrainResult {
  steps: number;
  /** True when `maxSeconds` ended the run early. */
  stoppedByTimeBudget: boolean;
  seconds: number;
  lastBitsPerDim?: number;
  resumedFrom: number;
}

/** A line of the training log. */
export interface TrainLogEntry {
  step: number;
  bitsPerDim: number;
  lr: number;
  seconds: number;
}

/** Where the live weights, their EMA and the optimiser moments are, by name, in a saved state. */
function restoreState(
  model: AutoregressiveModel,
  names: string[],
  adam: Adam,
  ema: Ema,
  tensors: Record<string, tf.Tensor>,
  step: number,
): void {
  model.module.loadStateDict(Object.fromEntries(names.map((n) => [n, tensors[n]]).filter(([, t]) => t)), {
    strict: false,
  });
  ema.loadAverages(
    names.map((n) => tensors[`ema.${n}`]),
    step,
  );
  const optimState = Object.fromEntries(
    Object.entries(tensors)
      .filter(([k]) => k.startsWith('optim.'))
      .map(([k, v]) => [k.slice(6), v]),
  );
  adam.loadStateDict(optimState, step);
}

/**
 * The saved state of the run in `dir`: `training-state.safetensors`, or a checkpoint from before it
 * existed (the optimiser moments kept in `model.safetensors`). The caller owns the tensors.
 */
async function savedState(
  dir: string,
  model: AutoregressiveModel,
): Promise<{ tensors: Record<string, tf.Tensor>; step: number } | null> {
  const state = await loadTrainingState<{ model: unknown }>(dir);
  if (state) {
    if (JSON.stringify(state.info?.model) !== JSON.stringify(model.config)) {
      tf.dispose(Object.values(state.tensors));
      throw new InvalidArgumentError(
        `train --resume: the checkpoint in ${dir} was made with a different model config; use a new --out or the same options`,
      );
    }
    return { tensors: state.tensors, step: state.step ?? 0 };
  }
  // A run stopped before its first checkpoint starts again from step 0; so does one killed between the
  // first checkpoint's model file and its training state (written last: a model without one is unfinished).
  if (!existsSync(join(dir, WEIGHTS_FILE))) return null;
  const saved = await loadCheckpoint<SavedModelInfo>(dir);
  const legacy = Object.keys(saved.tensors).some((k) => k.startsWith('optim.'));
  if (!legacy) {
    tf.dispose(Object.values(saved.tensors));
    return null;
  }
  if (JSON.stringify(saved.config?.model) !== JSON.stringify(model.config)) {
    tf.dispose(Object.values(saved.tensors));
    throw new InvalidArgumentError(
      `train --resume: the checkpoint in ${dir} was made with a different model config; use a new --out or the same options`,
    );
  }
  return { tensors: saved.tensors, step: saved.step ?? 0 };
}

export async function trainModel(model: AutoregressiveModel, options: TrainOptions): Promise<TrainResult> {
  const {
    steps,
    lr = 1e-3,
    lrDecay = 0.99995,
    beta1 = 0.95,
    beta2 = 0.9995,
    emaDecay = 0.999,
    clipNorm = 100,
  } = options;
  if (!Number.isInteger(steps) || steps < 1)
    throw new InvalidArgumentError(`train: steps must be a positive integer, got ${steps}`);
  if (!(lr > 0)) throw new InvalidArgumentError(`train: lr must be > 0, got ${lr}`);
  if (options.resume && !options.out) throw new InvalidArgumentError('train: resume needs `out`, the run to continue');
  const run = options.out
    ? await RunDirectory.open({
        dir: options.out,
        trainer: model.kind,
        fingerprint: {
          model: model.config,
          optimizer: { lr, lrDecay, beta1, beta2, emaDecay, clipNorm },
          training: options.training ?? {},
        },
        resume: options.resume === true,
        force: options.force === true,
        legacyStateFiles: [WEIGHTS_FILE],
      })
    : null;
  const variables = model.module.trainableParameters();
  const names = model.module
    .namedParameters()
    .filter(([, v]) => v.trainable)
    .map(([n]) => n);
  const adam = new Adam(variables, { lr: exponentialDecay(lr, lrDecay), beta1, beta2 });
  const ema = new Ema(variables, emaDecay, { warmup: true });
  try {
    let startStep = 0;
    const saved = run?.resuming ? await savedState(run.dir, model) : null;
    if (run && saved) {
      try {
        restoreState(model, names, adam, ema, saved.tensors, saved.step);
        startStep = saved.step;
      } finally {
        tf.dispose(Object.values(saved.tensors));
      }
      if (startStep > steps) {
        throw new InvalidArgumentError(
          `train --resume: the run in ${run.dir} is at step ${startStep}, beyond --steps ${steps}; ask for more steps`,
        );
      }
    }
    await run?.resumeLog((entry) => (entry.step as number) <= startStep);
    const result = await trainSteps(model, options, { adam, ema, names, variables, startStep, run });
    await run?.close();
    return result;
  } catch (error) {
    await run?.close(error);
    throw error;
  } finally {
    adam.dispose();
    ema.dispose();
    model.module.eval();
  }
}

/** The loop itself, with checkpoints through the run directory (when there is one). */
async function trainSteps(
  model: AutoregressiveModel,
  options: TrainOptions,
  state: {
    adam: Adam;
    ema: Ema;
    names: string[];
    variables: tf.Variable[];
    startStep: number;
    run: RunDirectory | null;
  },
): Promise<TrainResult> {
  const { steps, batch, clipNorm = 100 } = options;
  const { adam, ema, names, variables, startStep, run } = state;
  const dims = model.height * model.width * model.channels;
  const save = async (step: number) => {
    if (!run) return;
    const averages: Record<string, tf.Tensor> = {};
    ema.averages().forEach((v, i) => {
      averages[`ema.${names[i]}`] = v;
    });
    const optimizer: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(adam.stateDict())) optimizer[`optim.${k}`] = v;
    const weights = model.module.stateDict();
    // The model first, the training state last: the state is what a resume reads, so once it is
    // written the model beside it is of the same step.
    await run.checkpoint(async () => {
      await saveCheckpoint<SavedModelInfo>(
        run.dir,
        { ...weights, ...averages },
        { model: model.config, training: { ...options.training, steps: step } },
        { step },
      );
      await saveTrainingState(run.dir, {
        step,
        tensors: { ...weights, ...averages, ...optimizer },
        info: { model: model.config },
      });
    });
  };

  model.module.train();
  const started = performance.now();
  let done = startStep;
  let timedOut = false;
  let lastBitsPerDim: number | undefined;
  const budget = new AbortController();
  const stopAt = options.maxSeconds ? started + options.maxSeconds * 1000 : Number.POSITIVE_INFINITY;
  options.signal?.addEventListener('abort', () => budget.abort(options.signal?.reason), { once: true });
  let result: { steps: number; seconds: number; lastLoss?: number };
  try {
    result = await trainLoop({
      total: steps,
      startStep,
      signal: budget.signal,
      onProgress: options.onProgress,
      checkpointEvery: options.checkpointEvery,
      ...(run && { onCheckpoint: save }),
      step: async (i) => {
        const x = await batch(i);
        const currentLr = adam.learningRate;
        const { value, grads } = tf.variableGrads(
          () => tf.div(tf.neg(tf.mean(model.logProb(x))), dims * Math.LN2) as tf.Scalar,
          variables,
        );
        const ordered = variables.map((v) => grads[v.name] ?? null);
        const clipped = await clipByGlobalNorm(ordered, clipNorm);
        if (!clipped.skip) {
          adam.step(clipped.grads);
          ema.update();
        }
        const [bitsPerDim] = await value.data();
        lastBitsPerDim = bitsPerDim;
        tf.dispose([x, value, ...Object.values(grads), ...clipped.grads.filter((g): g is tf.Tensor => g !== null)]);
        const entry = { step: i + 1, bitsPerDim, lr: currentLr, seconds: (performance.now() - started) / 1000 };
        run?.log(entry);
        options.log?.(entry);
        done = i + 1;
        if (performance.now() > stopAt && done < steps) {
          timedOut = true;
          budget.abort(new Error('time budget reached'));
        }
        return { loss: bitsPerDim, metrics: { lr: currentLr } };
      },
    });
  } catch (error) {
    if (!timedOut) throw error;
    await save(done);
    result = { steps: done - startStep, seconds: (performance.now() - started) / 1000, lastLoss: lastBitsPerDim };
  }
  return {
    steps: result.steps,
    seconds: result.seconds,
    resumedFrom: startStep,
    stoppedByTimeBudget: timedOut,
    ...(result.lastLoss !== undefined && { lastBitsPerDim: result.lastLoss }),
  };
}

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Adam,
  clipByGlobalNorm,
  Ema,
  exponentialDecay,
  InvalidArgumentError,
  type LongWorkOptions,
  loadCheckpoint,
  saveCheckpoint,
  tf,
  trainLoop,
  WEIGHTS_FILE,
} from '@scalespace/core';
import type { AutoregressiveModel, SavedModelInfo } from './model-io.js';

// Maximum-likelihood training shared by PixelCNN++ and PixelPyramids, with the paper's optimiser:
// Adam (betas 0.95, 0.9995), exponential learning-rate decay, Polyak averaging (EMA) of the weights,
// global-norm clipping. Checkpoints hold the weights, their EMA and the optimiser moments, so
// `resume` continues exactly where a run stopped (the batch for step i must be a function of i).

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
  /** Continue from the checkpoint in `out` when there is one. */
  resume?: boolean;
  /** Facts saved with the checkpoint (data, seed, ...). */
  training?: Record<string, unknown>;
  /** Stop (with a checkpoint) after this much training time; for equal wall-clock comparisons. */
  maxSeconds?: number;
  /** Called after each step with the loss in bits/dim. */
  log?: (entry: { step: number; bitsPerDim: number; lr: number; seconds: number }) => void;
}

export interface TrainResult {
  steps: number;
  /** True when `maxSeconds` ended the run early. */
  stoppedByTimeBudget: boolean;
  seconds: number;
  lastBitsPerDim?: number;
  resumedFrom: number;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function trainModel(model: AutoregressiveModel, options: TrainOptions): Promise<TrainResult> {
  const {
    steps,
    batch,
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
  const variables = model.module.trainableParameters();
  const names = model.module
    .namedParameters()
    .filter(([, v]) => v.trainable)
    .map(([n]) => n);
  const adam = new Adam(variables, { lr: exponentialDecay(lr, lrDecay), beta1, beta2 });
  const ema = new Ema(variables, emaDecay, { warmup: true });
  const dims = model.height * model.width * model.channels;
  let startStep = 0;

  if (options.resume && options.out && (await exists(join(options.out, WEIGHTS_FILE)))) {
    const saved = await loadCheckpoint<SavedModelInfo>(options.out);
    try {
      if (JSON.stringify(saved.config.model) !== JSON.stringify(model.config)) {
        throw new InvalidArgumentError(
          `train --resume: the checkpoint in ${options.out} was made with a different model config; use a new --out or the same options`,
        );
      }
      model.module.loadStateDict(Object.fromEntries(names.map((n) => [n, saved.tensors[n]]).filter(([, t]) => t)), {
        strict: false,
      });
      ema.loadAverages(
        names.map((n) => saved.tensors[`ema.${n}`]),
        saved.step ?? 0,
      );
      const optimState = Object.fromEntries(
        Object.entries(saved.tensors)
          .filter(([k]) => k.startsWith('optim.'))
          .map(([k, v]) => [k.slice(6), v]),
      );
      startStep = saved.step ?? 0;
      adam.loadStateDict(optimState, startStep);
    } finally {
      for (const t of Object.values(saved.tensors)) t.dispose();
    }
  }

  const save = async (step: number) => {
    if (!options.out) return;
    const state: Record<string, tf.Tensor> = { ...model.module.stateDict() };
    ema.averages().forEach((v, i) => {
      state[`ema.${names[i]}`] = v;
    });
    for (const [k, v] of Object.entries(adam.stateDict())) state[`optim.${k}`] = v;
    await saveCheckpoint<SavedModelInfo>(
      options.out,
      state,
      { model: model.config, training: { ...options.training, steps: step } },
      { step },
    );
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
      onCheckpoint: save,
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
        options.log?.({ step: i + 1, bitsPerDim, lr: currentLr, seconds: (performance.now() - started) / 1000 });
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
  adam.dispose();
  ema.dispose();
  model.module.eval();
  return {
    steps: result.steps,
    seconds: result.seconds,
    resumedFrom: startStep,
    stoppedByTimeBudget: timedOut,
    ...(result.lastLoss !== undefined && { lastBitsPerDim: result.lastLoss }),
  };
}

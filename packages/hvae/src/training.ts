import { join } from 'node:path';
import {
  Adam,
  CheckpointError,
  clipByGlobalNorm,
  contentHash,
  Ema,
  InvalidArgumentError,
  LOG_FILE,
  type LongWorkOptions,
  linearWarmup,
  loadCheckpoint,
  loadTrainingState,
  type Module,
  RunDirectory,
  readRunLog,
  saveCheckpoint,
  saveTrainingState,
  TRAINING_STATE_FILE,
  tf,
  trainLoop,
} from '@scalespace/core';

/** Optimisation settings shared by the VD-VAE and CVDVAE trainers (VD-VAE's recipe). */
export interface OptimizerSettings {
  /** Peak learning rate after the warm-up. */
  lr: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** AdamW's decoupled weight decay. */
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** EMA decay of the weights that are saved and sampled. */
  emaDecay: number;
  /** Gradients are clipped to this global norm. */
  gradClip: number;
  /** A step whose gradient norm is above this (or NaN) is skipped and counted. */
  skipThreshold: number;
}

export const DEFAULT_OPTIMIZER: OptimizerSettings = {
  lr: 1e-3,
  warmupSteps: 100,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.9,
  emaDecay: 0.999,
  gradClip: 200,
  skipThreshold: 400,
};

export function resolveOptimizer(o: Partial<OptimizerSettings> = {}): OptimizerSettings {
  const s = { ...DEFAULT_OPTIMIZER, ...o };
  const positive = (v: number, what: string) => {
    if (!(v > 0)) throw new InvalidArgumentError(`${what} must be > 0, got ${v}`);
  };
  positive(s.lr, 'lr');
  positive(s.gradClip, 'gradClip');
  positive(s.skipThreshold, 'skipThreshold');
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0)
    throw new InvalidArgumentError(`warmupSteps must be an integer >= 0, got ${s.warmupSteps}`);
  if (!(s.weightDecay >= 0)) throw new InvalidArgumentError(`weightDecay must be >= 0, got ${s.weightDecay}`);
  if (!(s.emaDecay > 0 && s.emaDecay < 1))
    throw new InvalidArgumentError(`emaDecay must be in (0, 1), got ${s.emaDecay}`);
  return s;
}

/** What one step of a trainer's loss function returns (inside the gradient tape). */
export interface StepLoss {
  /** The scalar to minimise. */
  loss: tf.Scalar;
  /** Extra numbers to log (kept tensors are read and disposed by the loop). */
  metrics: Record<string, tf.Tensor>;
}

/** A line of the JSON log. */
export interface TrainLogEntry {
  step: number;
  loss: number;
  gradNorm: number;
  skipped: boolean;
  skippedTotal: number;
  lr: number;
  seconds: number;
  [metric: string]: number | boolean;
}

export interface TrainingRunOptions<C> extends LongWorkOptions {
  /**
   * Output directory (core's run-directory contract): the EMA model (`model.safetensors`,
   * `config.json`), `training-state.safetensors`, `log.jsonl`, `run.json`.
   */
  out: string;
  /** Which trainer ('vdvae', 'cvdvae'): a resume must be by the same one. */
  trainer: string;
  /** The training data's bytes, whose hash joins the run's fingerprint (a resume on other data is refused). */
  data: Uint8Array;
  model: Module;
  /** The saved config (also stored with the training state, and checked on resume). */
  config: C;
  steps: number;
  optimizer: OptimizerSettings;
  /** The loss of step `step`; runs inside tf.variableGrads. */
  loss(step: number): StepLoss;
  checkpointEvery?: number;
  logEvery?: number;
  /** Continue the run in `out` (refused when there is none, or when it was made with another config or data). */
  resume?: boolean;
  /** Start over in a non-empty `out`. */
  force?: boolean;
  /** Stop after this many steps in this call (to split a long run); the total stays `steps`. */
  stopAt?: number;
  /** Called with each log entry (after it is written). */
  onLog?: (entry: TrainLogEntry) => void;
}

export interface TrainingRunResult {
  steps: number;
  skipped: number;
  seconds: number;
  lastLoss?: number;
}

/** The run controls a trainer passes through to `runTraining` unchanged. */
export type RunControls = Pick<
  TrainingRunOptions<unknown>,
  'resume' | 'force' | 'stopAt' | 'checkpointEvery' | 'logEvery' | 'onProgress' | 'signal' | 'onLog'
>;

/** Picks the run controls that are set (so optional fields stay absent, not undefined). */
export function runControls(options: RunControls): RunControls {
  const keys = ['resume', 'force', 'stopAt', 'checkpointEvery', 'logEvery', 'onProgress', 'signal', 'onLog'] as const;
  return Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]])) as RunControls;
}

/** The output directory of a trainer's options: `out`, or the older name `dir`. */
export function outputOf(options: { out?: string; dir?: string }): string {
  const out = options.out ?? options.dir;
  if (!out) throw new InvalidArgumentError('training needs `out`, the output directory');
  return out;
}

export { LOG_FILE, TRAINING_STATE_FILE };

/**
 * The training loop both trainers share: AdamW with linear warm-up on the model's trainable
 * parameters, global-norm clipping, gradient skipping (counted), an EMA of the weights, checkpoints of
 * the EMA model plus everything `--resume` needs (live weights, Adam moments, step, skip count), and a
 * JSON-lines log. Frozen parameters are neither updated nor averaged.
 */
export async function runTraining<C>(options: TrainingRunOptions<C>): Promise<TrainingRunResult> {
  const { out, model, config, steps, optimizer: o, checkpointEvery = 500, logEvery = 50, signal } = options;
  if (!Number.isInteger(steps) || steps < 1)
    throw new InvalidArgumentError(`steps must be a positive integer, got ${steps}`);
  const variables = model.trainableParameters();
  if (variables.length === 0) throw new InvalidArgumentError('the model has no trainable parameters');
  const run = await RunDirectory.open({
    dir: out,
    trainer: options.trainer,
    fingerprint: { config, data: await contentHash(options.data) },
    mutable: ['config.training.steps'],
    resume: options.resume === true,
    force: options.force === true,
  });
  const adam = new Adam(variables, {
    lr: linearWarmup(o.lr, o.warmupSteps),
    beta1: o.beta1,
    beta2: o.beta2,
    weightDecay: o.weightDecay,
  });
  let ema: Ema | null = null;
  let startStep = 0;
  let skippedTotal = 0;
  try {
    const restored = run.resuming ? await restore(run.dir, model, variables, adam, o.emaDecay, config) : null;
    if (restored) ({ startStep, skippedTotal, ema } = restored);
    else ema = new Ema(variables, o.emaDecay);
    await run.resumeLog((entry) => (entry.step as number) <= startStep);
    const emaNow = ema;
    const end = Math.min(steps, options.stopAt ?? steps);
    if (startStep >= end) {
      await run.close();
      return { steps: 0, skipped: skippedTotal, seconds: 0 };
    }
    const save = async (done: number) => {
      // The model first, the training state last (what a resume reads: once written, the model is of its step).
      await run.checkpoint(async () => {
        emaNow.swap();
        try {
          await saveCheckpoint(run.dir, model, config, { step: done });
        } finally {
          emaNow.swap();
        }
        // Everything a resume needs, the weight averages too.
        const state: Record<string, tf.Tensor> = { ...adam.stateDict() };
        variables.forEach((v, i) => {
          state[`live.${i}`] = v;
          state[`ema.${i}`] = emaNow.averages()[i];
        });
        await saveTrainingState(run.dir, { step: done, tensors: state, info: { config, skipped: skippedTotal } });
      });
    };
    const started = performance.now();
    const result = await trainLoop({
      total: end,
      startStep,
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(signal && { signal }),
      checkpointEvery,
      onCheckpoint: save,
      step: async (i) => {
        const kept: Record<string, tf.Tensor> = {};
        const { value, grads } = tf.variableGrads(() => {
          const out = options.loss(i);
          for (const [name, t] of Object.entries(out.metrics)) kept[name] = tf.keep(t);
          return out.loss;
        }, variables);
        const [loss] = await value.data();
        const ordered = variables.map((v) => grads[v.name] ?? null);
        const clipped = await clipByGlobalNorm(ordered, o.gradClip, o.skipThreshold);
        const skip = clipped.skip || !Number.isFinite(loss);
        const lr = adam.learningRate;
        if (!skip) {
          adam.step(clipped.grads);
          emaNow.update();
        } else {
          skippedTotal += 1;
        }
        tf.dispose([value, ...Object.values(grads), ...clipped.grads.filter((g): g is tf.Tensor => g !== null)]);
        const entry: TrainLogEntry = {
          step: i + 1,
          loss,
          gradNorm: clipped.norm,
          skipped: skip,
          skippedTotal,
          lr,
          seconds: (performance.now() - started) / 1000,
        };
        for (const [name, t] of Object.entries(kept)) {
          const v = await t.data();
          if (v.length === 1) entry[name] = v[0];
          else for (const [k, x] of v.entries()) entry[`${name}.${k}`] = x;
        }
        tf.dispose(Object.values(kept));
        if ((i + 1) % logEvery === 0 || i + 1 === end || skip) {
          run.log(entry);
          options.onLog?.(entry);
        }
        return { loss, metrics: { gradNorm: clipped.norm, skipped: skippedTotal } };
      },
    });
    await run.close();
    return {
      steps: result.steps,
      skipped: skippedTotal,
      seconds: result.seconds,
      ...(result.lastLoss !== undefined && { lastLoss: result.lastLoss }),
    };
  } catch (error) {
    await run.close(error);
    throw error;
  } finally {
    adam.dispose();
    ema?.dispose();
  }
}

/**
 * A run's config without its length (`training.steps`): the schedule (warm-up, then a constant rate) does
 * not depend on it, so a finished run may be resumed with more steps and continues as if it had been
 * asked for them from the start.
 */
function withoutLength(json: string): string {
  const config = JSON.parse(json) as { training?: { steps?: number } };
  if (config.training) delete config.training.steps;
  return JSON.stringify(config);
}

/**
 * Loads the run's state (the EMA model into `model`, the live weights and moments into the
 * optimiser), or returns null for a run that stopped before its first checkpoint.
 */
async function restore<C>(
  dir: string,
  model: Module,
  variables: tf.Variable[],
  adam: Adam,
  emaDecay: number,
  config: C,
): Promise<{ startStep: number; skippedTotal: number; ema: Ema } | null> {
  const saved = await loadTrainingState<{ config: C; skipped: number }>(dir);
  if (!saved) return null;
  const statePath = saved.file;
  // Runs saved before the run record kept the config and skip count as plain header strings.
  const savedConfig = saved.info ? JSON.stringify(saved.info.config) : saved.metadata.config;
  const skippedTotal = saved.info ? saved.info.skipped : Number(saved.metadata.skipped ?? 0);
  let ema: Ema | null = null;
  try {
    if (savedConfig !== undefined && withoutLength(savedConfig) !== withoutLength(JSON.stringify(config))) {
      throw new CheckpointError(
        `cannot resume "${dir}": it was trained with a different config.\n  saved: ${savedConfig}\n  now:   ${JSON.stringify(config)}\nUse the same options, or a new --out folder.`,
      );
    }
    await loadCheckpoint(dir, model); // the EMA weights as the model file has them (and frozen weights)
    ema = new Ema(variables, emaDecay); // shadow = EMA weights
    // The averages saved with the state win: a save cut short (a full disk) can leave the model file a checkpoint behind.
    if (saved.tensors['ema.0']) ema.loadAverages(variables.map((_, i) => saved.tensors[`ema.${i}`]));
    variables.forEach((v, i) => {
      const live = saved.tensors[`live.${i}`];
      if (!live) throw new CheckpointError(`"${statePath}" lacks the live weights of parameter ${i}; start a new run`);
      v.assign(live);
    });
    const step = saved.step ?? 0;
    adam.loadStateDict(saved.tensors, step);
    return { startStep: step, skippedTotal, ema };
  } catch (error) {
    ema?.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(saved.tensors));
  }
}

/** Reads a run's JSON log. */
export async function readTrainLog(dir: string): Promise<TrainLogEntry[]> {
  return (await readRunLog(join(dir, LOG_FILE))) as TrainLogEntry[];
}

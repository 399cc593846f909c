import {
  Adam,
  CheckpointError,
  contentHash,
  InvalidArgumentError,
  type LongWorkOptions,
  loadTrainingState,
  RunDirectory,
  rng,
  saveCheckpoint,
  saveTrainingState,
  TRAINING_STATE_FILE,
  tf,
  trainLoop,
} from '@scalespace/core';
import type { FlatDenoiser } from './flat-denoiser.js';
import type { MultiscaleDenoiser } from './multiscale-denoiser.js';
import type { HostImage } from './patch-sampler.js';
import { buildTasks, noisyBatch } from './training-tasks.js';

export interface TrainDenoiserOptions extends LongWorkOptions {
  /** Clean training images [H, W, C] in [0, 1] (C = the model's channels), as tensors or host arrays. */
  images: Array<tf.Tensor3D | HostImage>;
  /** Optimisation steps in all (a resumed run continues up to this). */
  steps: number;
  /** Patches per batch and per network (default 16). */
  batchSize?: number;
  /** Side of the training patches, in pixels of each network's own band (default 40). */
  patchSize?: number;
  /** Noise std drawn uniformly per patch from this range, relative to the image range (default [0, 1]). */
  sigmaRange?: [number, number];
  /**
   * How a multi-scale model's bands read `sigmaRange`. 'image' (default): as the noise of the image, so
   * each band trains on the std that noise has there (sigma / 2^(j+1) for the details of scale j,
   * sigma / 2^levels for the coarsest low-pass band; see `haarStep`). 'band': as the noise of every band
   * itself, which spends most of the training on noise far above what the bands of a noisy image carry.
   */
  bandSigma?: 'image' | 'band';
  /**
   * Skews the draw of sigma towards small values: sigma = min + (max - min) u^sigmaPower with u uniform.
   * 1 (default) is the paper's uniform draw; 2 puts about a third of the patches in the lowest tenth of
   * the range, where the weak noise of real photos lies, which a short training otherwise barely sees.
   */
  sigmaPower?: number;
  /**
   * Start every trained network's last conv at zero (a fresh run only), so each starts from a trivial
   * denoiser instead of a random map: a noise-predicting net from the identity, a conditional that outputs
   * the clean details from "no details". Default false (the paper's random initialisation).
   */
  zeroInitOutput?: boolean;
  /** Adam learning rate, decayed by a half cosine to lr * lrFinalRatio (default 1e-3, ratio 0.05). */
  lr?: number;
  lrFinalRatio?: number;
  /**
   * From this step on, batch norm uses its running std in training too (statistics frozen, gains still
   * learn), so the last steps train exactly the function inference uses. Default: never.
   */
  freezeNormAt?: number;
  /** Random flips and transposes of the patches (default true). */
  augment?: boolean;
  seed?: number | string;
  /**
   * The run's output directory (core's run-directory contract): the model (loadable with
   * `loadDenoiser`), `training-state.safetensors` (for resume), `log.jsonl`, `run.json`.
   */
  out?: string;
  /** @deprecated the older name of `out`. */
  checkpointDir?: string;
  /** Steps between checkpoints (default 100; one is always written at the end). */
  checkpointEvery?: number;
  /** Continue the run in `out` (refused when there is none, or when it was made with another config or data). */
  resume?: boolean;
  /** Start over in a non-empty `out`. */
  force?: boolean;
  /**
   * Stop (with a checkpoint) once this many steps are done, keeping `steps` as the length of the schedule:
   * splits one training run into several calls that resume each other.
   */
  stopAt?: number;
}

export interface TrainDenoiserResult {
  /** Steps run in this call. */
  steps: number;
  /** The step training started from (0, or the resumed checkpoint's). */
  startStep: number;
  seconds: number;
  lastLoss?: number;
  /** Loss of every step run in this call. */
  losses: number[];
}

export { TRAINING_STATE_FILE };
/** Where runs saved before the shared run-directory contract kept their training state (still resumed). */
export const LEGACY_TRAINING_STATE_FILE = 'training.safetensors';

async function toHost(image: tf.Tensor3D | HostImage, channels: number, index: number): Promise<HostImage> {
  const host =
    image instanceof tf.Tensor
      ? {
          data: (await image.data()) as Float32Array,
          height: image.shape[0],
          width: image.shape[1],
          channels: image.shape[2],
        }
      : image;
  if (host.channels !== channels) {
    throw new InvalidArgumentError(
      `training image ${index} has ${host.channels} channels, the model ${channels}; read images with { channels: ${channels} }`,
    );
  }
  return host;
}

const DEFAULTS = {
  batchSize: 16,
  patchSize: 40,
  sigmaRange: [0, 1] as [number, number],
  bandSigma: 'image' as 'image' | 'band',
  sigmaPower: 1,
  lr: 1e-3,
  lrFinalRatio: 0.05,
  checkpointEvery: 100,
  freezeNormAt: Number.POSITIVE_INFINITY,
};

/** The options with their defaults filled in, each checked. */
function validate(options: TrainDenoiserOptions) {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, ...given, stopAt: options.stopAt ?? options.steps } as typeof DEFAULTS &
    TrainDenoiserOptions & { stopAt: number };
  const { steps, batchSize, patchSize, sigmaRange, bandSigma, sigmaPower, lr, lrFinalRatio, checkpointEvery } = o;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new InvalidArgumentError(`trainDenoiser: ${message}`);
  };
  check(Array.isArray(o.images) && o.images.length > 0, 'images must be a non-empty array');
  check(Number.isInteger(steps) && steps >= 1, `steps must be a positive integer, got ${steps}`);
  check(Number.isInteger(batchSize) && batchSize >= 1, `batchSize must be a positive integer, got ${batchSize}`);
  check(Number.isInteger(patchSize) && patchSize >= 2, `patchSize must be an integer >= 2, got ${patchSize}`);
  check(
    Array.isArray(sigmaRange) && sigmaRange[0] >= 0 && sigmaRange[1] > sigmaRange[0],
    `sigmaRange must be [min, max] with 0 <= min < max, got ${JSON.stringify(sigmaRange)}`,
  );
  check(lr > 0, `lr must be > 0, got ${lr}`);
  check(sigmaPower > 0 && Number.isFinite(sigmaPower), `sigmaPower must be a positive number, got ${sigmaPower}`);
  check(lrFinalRatio > 0 && lrFinalRatio <= 1, `lrFinalRatio must be in (0, 1], got ${lrFinalRatio}`);
  check(
    Number.isInteger(checkpointEvery) && checkpointEvery >= 1,
    `checkpointEvery must be a positive integer, got ${checkpointEvery}`,
  );
  check(!o.resume || (o.out ?? o.checkpointDir) !== undefined, 'resume needs checkpointDir/out, the run to continue');
  check(
    bandSigma === 'image' || bandSigma === 'band',
    `bandSigma must be "image" or "band", got ${JSON.stringify(bandSigma)}`,
  );
  check(o.freezeNormAt >= 0, `freezeNormAt must be a step >= 0, got ${o.freezeNormAt}`);
  check(
    Number.isInteger(o.stopAt) && o.stopAt >= 1 && o.stopAt <= steps,
    `stopAt must be an integer in [1, steps = ${steps}], got ${o.stopAt}`,
  );
  return o;
}

/**
 * Trains a flat or multi-scale denoiser on the MSE of its noise estimate (a multi-scale model's
 * conditionals output the clean details unless `conditionalOutput` is 'noise': the same loss in another
 * form), with the noise std of each patch drawn from `sigmaRange` (the paper: uniformly from [0, 1] of
 * the image range; see `sigmaPower` and `bandSigma`), on random patches of the images. A multi-scale model trains its low-pass denoiser on
 * patches of the coarsest band and each conditional denoiser on patches of [clean low-pass, noisy
 * details] of its scale, every step; a network frozen with `setTrainable(false)` is skipped. Batch norm
 * statistics are folded in after each step; the model is left in eval mode. Resumable: with
 * `checkpointDir` and `resume`, a run continues bit for bit where the last checkpoint left off.
 */
export async function trainDenoiser(
  model: FlatDenoiser | MultiscaleDenoiser,
  options: TrainDenoiserOptions,
): Promise<TrainDenoiserResult> {
  const {
    steps,
    stopAt,
    freezeNormAt,
    batchSize,
    patchSize,
    sigmaRange,
    bandSigma,
    sigmaPower,
    lr,
    lrFinalRatio,
    checkpointEvery,
  } = validate(options);
  const channels = model.config.channels;
  const images = await Promise.all(options.images.map((image, i) => toHost(image, channels, i)));
  // A network whose parameters are all frozen (e.g. a low-pass denoiser reused from another model) is not run.
  const tasks = (await buildTasks(model, images, patchSize, bandSigma)).filter(
    (task) => task.net.trainableParameters().length > 0,
  );
  if (tasks.length === 0)
    throw new InvalidArgumentError('trainDenoiser: every parameter of the model is frozen; nothing to train');
  const params = model.trainableParameters();
  const schedule = (step: number) =>
    lr * (lrFinalRatio + (1 - lrFinalRatio) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, steps)) / steps)));
  const seed = rng(options.seed ?? 0);
  const augment = options.augment ?? true;
  const out = options.out ?? options.checkpointDir;
  const trainingConfig = {
    batchSize,
    patchSize,
    sigmaRange,
    ...(model.config.kind === 'multiscale' && { bandSigma }),
    ...(sigmaPower !== 1 && { sigmaPower }),
    ...(options.zeroInitOutput && { zeroInitOutput: true }),
    lr,
    lrFinalRatio,
    steps,
    seed: seed.seed,
    ...(Number.isFinite(freezeNormAt) && { freezeNormAt }),
  };

  const run = out
    ? await RunDirectory.open({
        dir: out,
        trainer: `denoiser-${model.config.kind}`,
        fingerprint: { config: model.config, training: trainingConfig, data: await imagesHash(images) },
        resume: options.resume === true,
        force: options.force === true,
        legacyStateFiles: [LEGACY_TRAINING_STATE_FILE],
      })
    : null;
  // Made once the run directory is open, so a refused --out leaves no optimiser behind.
  const optimizer = new Adam(params, { lr: schedule });
  let startStep = 0;
  try {
    if (run?.resuming) startStep = await restore(model, optimizer, run.dir);
    await run?.resumeLog((entry) => (entry.step as number) <= startStep);
    if (startStep === 0 && options.zeroInitOutput) for (const task of tasks) task.net.zeroOutput();
    if (startStep > stopAt) {
      throw new InvalidArgumentError(
        `trainDenoiser: the checkpoint is at step ${startStep}, beyond ${stopAt}; ask for more steps`,
      );
    }
    const losses: number[] = [];
    model.train();
    const result = await trainLoop({
      total: stopAt,
      startStep,
      phase: `train ${model.config.kind}`,
      ...(options.signal && { signal: options.signal }),
      onProgress: (event) => {
        run?.log({ step: event.step, loss: event.loss, ...event.metrics });
        options.onProgress?.(event);
      },
      ...(run && {
        checkpointEvery,
        onCheckpoint: async (done: number) => {
          model.eval();
          await run.checkpoint(() => saveTrainingStateOf(model, optimizer, run.dir, done, trainingConfig));
          model.train();
        },
      }),
      step: async (index) => {
        for (const task of tasks) task.net.setStatisticsFrozen(index >= freezeNormAt);
        const r = seed.fork(`step${index}`);
        const batches = tasks.map((task) =>
          noisyBatch(task, batchSize, { range: sigmaRange, power: sigmaPower }, augment, r.fork(task.name)),
        );
        let parts: tf.Scalar[] = [];
        const { value, grads } = tf.variableGrads(() => {
          parts = tasks.map((task, i) => {
            const prediction = task.net.forward(batches[i].input);
            return tf.keep(tf.mean(tf.square(tf.sub(prediction, batches[i].target))) as tf.Scalar);
          });
          return tf.addN(parts) as tf.Scalar;
        }, params);
        optimizer.step(params.map((v) => grads[v.name] ?? null));
        for (const task of tasks) task.net.commitStatistics();
        const [loss, ...perTask] = await Promise.all([value, ...parts].map(async (t) => (await t.data())[0]));
        tf.dispose([value, ...parts, ...Object.values(grads), ...batches.flatMap((b) => [b.input, b.target])]);
        losses.push(loss);
        const metrics = Object.fromEntries(tasks.map((t, i) => [`loss_${t.name}`, perTask[i]]));
        return model.config.kind === 'multiscale' ? { loss, metrics } : loss;
      },
    });
    await run?.close();
    return {
      steps: result.steps,
      startStep,
      seconds: result.seconds,
      ...(result.lastLoss !== undefined && { lastLoss: result.lastLoss }),
      losses,
    };
  } catch (error) {
    await run?.close(error);
    throw error;
  } finally {
    for (const task of tasks) {
      task.net.discardStatistics();
      task.net.setStatisticsFrozen(false);
    }
    model.eval();
    optimizer.dispose();
  }
}

/** A hash of the training images (pixels and shapes), for the run's fingerprint. */
async function imagesHash(images: HostImage[]): Promise<string> {
  return contentHash(images.flatMap((im) => [`${im.height}x${im.width}x${im.channels}`, im.data]));
}

async function saveTrainingStateOf(
  model: FlatDenoiser | MultiscaleDenoiser,
  optimizer: Adam,
  dir: string,
  step: number,
  trainingConfig: Record<string, unknown>,
): Promise<void> {
  const state: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) state[`model.${name}`] = t;
  for (const [name, t] of Object.entries(optimizer.stateDict())) state[`optimizer.${name}`] = t;
  // The model first; then one file with everything resume needs (so a crash never pairs new weights with old
  // moments), written last: once it is there, the model beside it is of the same step.
  await saveCheckpoint(dir, model, model.config, { step, metadata: { training: JSON.stringify(trainingConfig) } });
  await saveTrainingState(dir, {
    step,
    tensors: state,
    info: { iterations: optimizer.iterations, config: model.config, training: trainingConfig },
  });
}

/** Loads the run's state into the model and optimiser; returns its step (0 for a run stopped before its first checkpoint). */
async function restore(model: FlatDenoiser | MultiscaleDenoiser, optimizer: Adam, dir: string): Promise<number> {
  const saved = await loadTrainingState<{ iterations: number; config: unknown }>(dir, {
    legacyFiles: [LEGACY_TRAINING_STATE_FILE],
  });
  if (!saved) return 0;
  const { tensors, metadata, file } = saved;
  try {
    // Runs saved before the run record kept these as plain header strings.
    const config = saved.info ? JSON.stringify(saved.info.config) : metadata.config;
    const iterations = saved.info ? saved.info.iterations : Number(metadata.iterations);
    if (config !== JSON.stringify(model.config)) {
      throw new CheckpointError(
        `cannot resume from "${file}": it was trained with config ${config}, the model is ${JSON.stringify(model.config)}; use another --out or drop --resume`,
      );
    }
    const prefixed = (prefix: string) =>
      Object.fromEntries(
        Object.entries(tensors)
          .filter(([name]) => name.startsWith(prefix))
          .map(([name, t]) => [name.slice(prefix.length), t]),
      );
    model.loadStateDict(prefixed('model.'));
    optimizer.loadStateDict(prefixed('optimizer.'), iterations);
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return saved.step ?? 0;
}

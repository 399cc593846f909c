import {
  Adam,
  type BackendName,
  Ema,
  InvalidArgumentError,
  InvalidImageError,
  type LongWorkOptions,
  type ProgressEvent,
  type Rng,
  rng,
  saveCheckpoint,
  tf,
  trainLoop,
} from '@scalespace/core';
import { fromHost, toHost, toHostTensor } from './host-tensors.js';
import { mse, resizeTo, toSigned } from './ops.js';
import { type RestorationWorker, startRestorationWorker } from './parallel-restoration.js';
import { patchMatch } from './patch-match.js';
import { PETSGAN_FORMAT, PetsGAN, type PetsGANConfig } from './petsgan.js';
import { LowResCritic, LowResGenerator, PatchCritic } from './petsgan-networks.js';
import type { Size } from './pyramid-sizes.js';
import { noisyInput, restorationWarmup } from './restoration-warmup.js';
import type { RestorationSnapshot } from './restoration-worker.js';
import { SinGANDiscriminator } from './singan-networks.js';
import { tpsWarp } from './tps-warp.js';
import { assertSameImage, beginTraining, chosenOptions, disposeGroups, saveTrainingState } from './train-state.js';
import { loadTrainingImage } from './training-image.js';
import { intIn, numberIn, seedOf } from './validate.js';
import { gradientPenalty, optimizerStep } from './wgan-gp.js';

/** The PetsGAN approach's schedule and architecture. Defaults are sized for a 128 px image on 2 CPU cores. */
export interface PetsGANTrainOptions {
  /** Longest side of the training image (default 128; PetsGAN: 256). */
  maxSize?: number;
  /** Downscaling to the GAN's resolution, a power of two (default 8, as PetsGAN). */
  factor?: number;
  /** Warm-up iterations of the low-res GAN (default 1200; PetsGAN: 2000 to 5000). */
  ganIterations?: number;
  /** Low-res batch (default 8, as PetsGAN). */
  ganBatch?: number;
  /** Critic steps per generator step in the low-res GAN (default 3, as SinGAN; PetsGAN: 1). */
  criticSteps?: number;
  /**
   * The low-res critic: 'patch' (default) is SinGAN's fully-convolutional patch critic with
   * `lowResCriticLayers` valid 3 x 3 convs (receptive field 2 x layers + 1 px), so G learns the
   * image's patches and recombines them; 'image' is PetsGAN's critic of whole images, which learns
   * the augmented images themselves (with no external samples: near-copies; see the README).
   */
  lowResCritic?: 'image' | 'patch';
  /** Conv layers of the 'patch' low-res critic (default 2: receptive field 5 px of the 16 x 10 image). */
  lowResCriticLayers?: number;
  /** Warm-up iterations of the restoration network (default 2000; PetsGAN: 5000). */
  restorationIterations?: number;
  /** Joint iterations with the high-res patch critic (default 400; PetsGAN: 5000). */
  jointIterations?: number;
  /** Low-res generator width (default 32; PetsGAN: 64, doubled inside). */
  generatorChannels?: number;
  /**
   * G reads a positional encoding beside its noise (default false; PetsGAN: true). With the patch
   * critic an encoding lets G pin the image's layout to positions, and its samples become copies.
   */
  positionalEncoding?: boolean;
  /** Low-res critic width (default 16; PetsGAN: 32). */
  criticChannels?: number;
  /** Restoration network width (default 32; PetsGAN: 64). */
  restorationChannels?: number;
  /** Kernel of the restoration's refine/upsample convs (default 3; PetsGAN: 5). */
  restorationKernel?: number;
  /** Kernel of the restoration's last block (default 3; PetsGAN: 7). */
  restorationFinalKernel?: number;
  /** High-res patch critic width (default 32; PetsGAN: 64) and branches (default 2; PetsGAN: 3). */
  patchCriticChannels?: number;
  patchCriticBranches?: number;
  /**
   * Side of the random crops the patch critic judges in the joint phase (default 64; 0 = whole
   * images). It is a patch critic, so crops show it the same patches for a quarter of the work.
   */
  jointCrop?: number;
  /** Thin-plate-spline / flip augmentations of the image in the low-res data set (default 100; PetsGAN: 200). */
  augmentations?: number;
  /** Copies of the image and of its mirror in the data set (default 25 each, as PetsGAN). */
  copies?: number;
  /** Largest control-point displacement of the warps, as a fraction of the side (default 0.05). */
  warpScale?: number;
  /**
   * Learning rates: G and its critic (default 5e-4, as SinGAN; PetsGAN: 1e-4 over 2.5-6x more
   * iterations), restoration (5e-4, as PetsGAN), joint phase (1e-4, as PetsGAN).
   */
  ganLr?: number;
  restorationLr?: number;
  jointLr?: number;
  /**
   * Apply the low-res critic's gradient penalty on every n-th step only, weighted n times (default 1:
   * every step). Its double backprop is about half the critic step's time; this "lazy" form (as
   * StyleGAN2 does for R1) keeps the penalty's average pull for a fraction of the work.
   */
  penaltyEvery?: number;
  /**
   * Weights: gradient penalty (0.1, as SinGAN's patch critic; PetsGAN's image critic: 10), G's
   * reconstruction of the low-res image (10, as SinGAN; PetsGAN: 50), the authors' diversity term
   * (0; PetsGAN: 1), joint reconstruction L1 (100, as PetsGAN).
   */
  penaltyWeight?: number;
  reconstructionWeight?: number;
  diversityWeight?: number;
  jointReconstructionWeight?: number;
  /** Noise added to the restoration's training inputs (std 0.3, with probability 0.5, as the authors' code). */
  restorationNoise?: number;
  /** Exponential average of G's weights used for sampling (default 0.99). */
  emaDecay?: number;
  /**
   * The internal prior: patch matching before restoration (default on, 3 x 3 patches, one round;
   * PetsGAN: 7 x 7 at a 32 px low resolution, about the same fraction of our 16 px one).
   */
  patchMatch?: boolean;
  patchSize?: number;
  patchIterations?: number;
}

export interface TrainPetsGANOptions extends PetsGANTrainOptions, LongWorkOptions {
  image: tf.Tensor3D | string;
  /** Optional external samples (images near the training image, e.g. from a pretrained generator) added to the low-res data set. */
  external?: Array<tf.Tensor3D | string>;
  out?: string;
  /** Continue the run in `out` (its options are used; a given option that differs, or another image, is refused). */
  resume?: boolean;
  /** Start over in a non-empty `out`. */
  force?: boolean;
  checkpointEvery?: number;
  seed?: number;
  /**
   * Train the restoration warm-up in a worker thread beside the low-res GAN (default true; Node
   * only). The two phases are independent, so this gives the same model bit for bit in about the
   * time of the longer one, on a second core. False, or where worker threads are unavailable: one
   * after the other.
   */
  parallel?: boolean;
}

const DEFAULTS: Required<PetsGANTrainOptions> = {
  maxSize: 128,
  factor: 8,
  ganIterations: 1200,
  ganBatch: 8,
  criticSteps: 3,
  lowResCritic: 'patch',
  lowResCriticLayers: 2,
  restorationIterations: 2000,
  jointIterations: 400,
  generatorChannels: 32,
  positionalEncoding: false,
  criticChannels: 16,
  restorationChannels: 32,
  restorationKernel: 3,
  restorationFinalKernel: 3,
  patchCriticChannels: 32,
  patchCriticBranches: 2,
  jointCrop: 64,
  augmentations: 100,
  copies: 25,
  warpScale: 0.05,
  ganLr: 5e-4,
  restorationLr: 5e-4,
  jointLr: 1e-4,
  penaltyEvery: 1,
  penaltyWeight: 0.1,
  reconstructionWeight: 10,
  diversityWeight: 0,
  jointReconstructionWeight: 100,
  restorationNoise: 0.3,
  emaDecay: 0.99,
  patchMatch: true,
  patchSize: 3,
  patchIterations: 1,
};

/** Validates and completes PetsGAN training options. */
export function resolvePetsGANOptions(options: PetsGANTrainOptions): Required<PetsGANTrainOptions> {
  const o = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<PetsGANTrainOptions>;
  intIn(o.maxSize, 128, 16, 1024, 'maxSize');
  if (![2, 4, 8, 16].includes(o.factor))
    throw new InvalidArgumentError(`factor must be 2, 4, 8 or 16, got ${o.factor}`);
  intIn(o.ganIterations, 0, 0, 1_000_000, 'ganIterations');
  intIn(o.ganBatch, 8, 2, 256, 'ganBatch');
  intIn(o.criticSteps, 1, 1, 16, 'criticSteps');
  for (const k of ['positionalEncoding', 'patchMatch'] as const)
    if (typeof o[k] !== 'boolean')
      throw new InvalidArgumentError(`${k} must be true or false, got ${JSON.stringify(o[k])}`);
  if (o.lowResCritic !== 'image' && o.lowResCritic !== 'patch')
    throw new InvalidArgumentError(`lowResCritic must be 'image' or 'patch', got ${JSON.stringify(o.lowResCritic)}`);
  intIn(o.lowResCriticLayers, 3, 2, 8, 'lowResCriticLayers');
  intIn(o.restorationIterations, 0, 0, 1_000_000, 'restorationIterations');
  intIn(o.jointIterations, 0, 0, 1_000_000, 'jointIterations');
  for (const k of ['generatorChannels', 'criticChannels', 'restorationChannels', 'patchCriticChannels'] as const)
    intIn(o[k], 32, 2, 512, k);
  intIn(o.patchCriticBranches, 2, 1, 4, 'patchCriticBranches');
  intIn(o.jointCrop, 64, 0, 4096, 'jointCrop');
  for (const k of ['restorationKernel', 'restorationFinalKernel', 'patchSize'] as const) {
    intIn(o[k], 3, 1, 15, k);
    if (o[k] % 2 === 0) throw new InvalidArgumentError(`${k} must be odd, got ${o[k]}`);
  }
  intIn(o.augmentations, 100, 0, 10_000, 'augmentations');
  intIn(o.copies, 25, 1, 10_000, 'copies');
  numberIn(o.warpScale, 0.05, 0, 0.45, 'warpScale');
  for (const k of ['ganLr', 'restorationLr', 'jointLr'] as const) numberIn(o[k], 1e-4, 1e-8, 1, k);
  intIn(o.penaltyEvery, 1, 1, 64, 'penaltyEvery');
  for (const k of ['penaltyWeight', 'reconstructionWeight', 'diversityWeight', 'jointReconstructionWeight'] as const)
    numberIn(o[k], 1, 0, 1e5, k);
  numberIn(o.restorationNoise, 0.3, 0, 5, 'restorationNoise');
  numberIn(o.emaDecay, 0.99, 0, 0.99999, 'emaDecay');
  intIn(o.patchIterations, 2, 0, 50, 'patchIterations');
  return o;
}

type Phase = 'gan' | 'restoration' | 'joint';
const PHASES: Phase[] = ['gan', 'restoration', 'joint'];
/** The progress label of each phase. */
const PHASE_LABEL: Record<Phase, string> = { gan: 'low-res GAN', restoration: 'restoration', joint: 'joint' };
const PHASE_OF_LABEL: Record<string, Phase> = { 'low-res GAN': 'gan', restoration: 'restoration', joint: 'joint' };

interface PetsGANTrainingInfo {
  config: PetsGANConfig;
  seed: number;
  adam: Record<string, number>;
}

/** The training image's size at the model's resolution: longest side <= maxSize, both sides multiples of factor. */
export function petsganSizes(imageSize: Size, maxSize: number, factor: number): { hr: Size; lr: Size } {
  const shrink = Math.min(1, maxSize / Math.max(...imageSize));
  const lr: Size = [Math.floor((imageSize[0] * shrink) / factor), Math.floor((imageSize[1] * shrink) / factor)];
  if (Math.min(...lr) < 8) {
    throw new InvalidImageError(
      `the image is ${imageSize[1]} x ${imageSize[0]}; at maxSize ${maxSize} its low-resolution scale (1/${factor}) would be ` +
        `${lr[1]} x ${lr[0]}, smaller than the coarsest scale the GAN needs (8 x 8): use an image of at least ${8 * factor} px ` +
        'per side, a larger maxSize or a smaller factor',
    );
  }
  return { hr: [lr[0] * factor, lr[1] * factor], lr };
}

/** The low-res data set: warped/flipped versions of the image, copies of it and its mirror, external samples. */
async function buildDataset(
  hr: tf.Tensor3D,
  lrSize: Size,
  o: Required<PetsGANTrainOptions>,
  external: Array<tf.Tensor3D | string>,
  r: Rng,
): Promise<tf.Tensor4D> {
  const items: tf.Tensor4D[] = [];
  const toLow = (img: tf.Tensor3D) =>
    tf.tidy(() => toSigned(resizeTo(tf.expandDims(img, 0) as tf.Tensor4D, ...lrSize)) as tf.Tensor4D);
  for (let i = 0; i < o.augmentations; i++) {
    const a = r.fork(`aug${i}`);
    // As the authors: one or both of {mirror with p 0.5, thin-plate-spline warp}, in random order.
    const ops = a.shuffle(['flip', 'tps']).slice(0, 1 + a.int(2));
    let img: tf.Tensor3D = tf.clone(hr);
    for (const op of ops) {
      const next =
        op === 'flip'
          ? a.uniform() < 0.5
            ? (tf.reverse(img, 1) as tf.Tensor3D)
            : tf.clone(img)
          : await tpsWarp(img, { scale: o.warpScale, rng: a });
      img.dispose();
      img = next;
    }
    items.push(toLow(img));
    img.dispose();
  }
  for (const source of external) {
    const img = await loadTrainingImage(source);
    const low = toLow(img);
    items.push(
      low,
      tf.tidy(() => tf.reverse(low, 2) as tf.Tensor4D),
    );
    img.dispose();
  }
  const low = toLow(hr);
  const mirror = tf.tidy(() => tf.reverse(low, 2) as tf.Tensor4D);
  const data = tf.tidy(
    () =>
      tf.concat([...items, tf.tile(low, [o.copies, 1, 1, 1]), tf.tile(mirror, [o.copies, 1, 1, 1])], 0) as tf.Tensor4D,
  );
  tf.dispose([...items, low, mirror]);
  return data;
}

/**
 * Trains the PetsGAN approach on one image (supplement Algorithm 1): (1) warm up the low-resolution
 * GAN (WGAN-GP, batch of augmented low-res images, reconstruction of the low-res image from a fixed
 * noise, diversity term); (2) warm up the restoration network on the image with noise-augmented
 * low-res inputs; (3) joint phase: G (its weight average) is frozen, samples pass through patch
 * matching and restoration, and a high-res patch critic (hinge loss) trains the restoration network
 * with the reconstruction kept as an L1 term. Resumable like `trainSinGAN`.
 */
export async function trainPetsGAN(options: TrainPetsGANOptions): Promise<PetsGAN> {
  const { signal } = options;
  const { image, checkpointEvery, saved, run, recorded } = await beginTraining<PetsGANTrainingInfo>(
    options,
    PETSGAN_FORMAT,
    { given: chosenOptions(options, Object.keys(DEFAULTS)), resolved: () => resolvePetsGANOptions(options) },
  );
  // Every step of every phase (the worker's too) goes to the run's log, then to the caller.
  const onProgress = (event: ProgressEvent) => {
    run?.log({
      phase: PHASE_OF_LABEL[event.phase ?? ''] ?? event.phase,
      step: event.step,
      loss: event.loss,
      ...event.metrics,
    });
    options.onProgress?.(event);
  };
  const owned: tf.Tensor[] = [];
  const modules: Array<{ dispose(): void }> = [];
  // The saved tensors, until loaded into the modules (disposed here on every path).
  let groups = saved?.groups ?? null;
  let irAdamSaved: Record<string, tf.Tensor> | null = null;
  let irWorker: RestorationWorker | null = null;
  let saving: Promise<void> = Promise.resolve();
  let model: PetsGAN | null = null;
  try {
    let seed: number;
    let o: Required<PetsGANTrainOptions>;
    let config: PetsGANConfig;
    let adamIterations: Record<string, number> = {};
    if (saved) {
      ({ config, seed } = saved.info);
      adamIterations = saved.info.adam;
      // Runs saved before these options existed trained PetsGAN's own low-res GAN.
      const legacy: PetsGANTrainOptions = { lowResCritic: 'image', positionalEncoding: true };
      o = resolvePetsGANOptions({ ...legacy, ...(config.training as PetsGANTrainOptions) });
    } else {
      seed = seedOf(options.seed ?? recorded?.seed);
      o = resolvePetsGANOptions({ ...recorded?.options, ...chosenOptions(options, Object.keys(DEFAULTS)) });
      const { hr, lr } = petsganSizes([image.shape[0], image.shape[1]], o.maxSize, o.factor);
      config = {
        format: PETSGAN_FORMAT,
        method: 'petsgan',
        hrSize: hr,
        lrSize: lr,
        factor: o.factor,
        generatorChannels: o.generatorChannels,
        generatorPositional: o.positionalEncoding,
        restorationChannels: o.restorationChannels,
        restorationKernel: o.restorationKernel,
        restorationFinalKernel: o.restorationFinalKernel,
        patchMatch: { enabled: o.patchMatch, patchSize: o.patchSize, iterations: o.patchIterations },
        steps: { gan: 0, restoration: 0, joint: 0 },
        trainingSeconds: 0,
        training: { ...o },
      };
    }
    const { hrSize, lrSize } = config;
    const patchCritic = o.lowResCritic === 'patch';
    if (patchCritic) {
      const rf = 2 * o.lowResCriticLayers + 1;
      if (Math.min(...lrSize) < rf)
        throw new InvalidArgumentError(
          `the low-res image is ${lrSize[1]} x ${lrSize[0]}, smaller than the patch critic's ${rf} px receptive field: ` +
            'use fewer lowResCriticLayers, a smaller factor or a larger maxSize',
        );
    }
    const base = rng(seed);
    model = new PetsGAN(config);
    const net = model.net;
    // The live generator (trained) beside the averaged one in the model (sampled).
    const liveG = new LowResGenerator({
      channels: config.generatorChannels,
      positionalEncoding: net.generator.positional,
      rng: base.fork('g'),
    });
    const criticLr = patchCritic
      ? new SinGANDiscriminator({
          channels: o.criticChannels,
          layers: o.lowResCriticLayers,
          rng: base.fork('dlr'),
        })
      : new LowResCritic({ size: lrSize, channels: o.criticChannels, rng: base.fork('dlr') });
    // Per-sample scores [N, 1] from either critic (the patch critic's maps are averaged).
    const scoreLr = (x: tf.Tensor4D) =>
      tf.tidy(() => {
        const s = criticLr.forward(x);
        return patchCritic ? tf.mean(s, [1, 2]) : s;
      });
    const criticHr = new PatchCritic({
      channels: o.patchCriticChannels,
      branches: o.patchCriticBranches,
      rng: base.fork('dhr'),
    });
    modules.push(liveG, criticLr, criticHr);
    const hrTensor = tf.tidy(() => resizeTo(tf.expandDims(image, 0) as tf.Tensor4D, ...hrSize));
    owned.push(hrTensor);
    if (groups) {
      net.loadStateDict(groups.model ?? {});
      liveG.loadStateDict(groups.live_g ?? {});
      criticLr.loadStateDict(groups.critic_lr ?? {});
      criticHr.loadStateDict(groups.critic_hr ?? {});
      const expected = tf.tidy(() => tf.clipByValue(hrTensor, 0, 1));
      await assertSameImage(net.image, expected, run?.dir).finally(() => expected.dispose());
      // The log keeps what the checkpoint holds: each phase up to its saved step.
      const steps = config.steps;
      await run?.resumeLog((e) => (e.step as number) <= (steps[e.phase as Phase] ?? Number.POSITIVE_INFINITY));
    } else {
      // A fresh run, or a resumed one that stopped before its first checkpoint: it starts over, and so does its log.
      await run?.resumeLog(() => false);
      net.generator.loadStateDict(liveG.stateDict());
      tf.tidy(() => {
        net.image.assign(tf.clipByValue(hrTensor, 0, 1));
        net.lowRes.assign(tf.clipByValue(resizeTo(hrTensor, ...lrSize), 0, 1));
        net.zRec.assign(base.fork('z_rec').normalTensor([1, ...lrSize, 1]));
      });
    }
    const hr = tf.tidy(() => toSigned(net.image) as tf.Tensor4D);
    const lr = tf.tidy(() => toSigned(net.lowRes) as tf.Tensor4D);
    const hrPair = [hr, tf.tidy(() => tf.reverse(hr, 2) as tf.Tensor4D)];
    const lrPair = [lr, tf.tidy(() => tf.reverse(lr, 2) as tf.Tensor4D)];
    owned.push(hr, lr, hrPair[1], lrPair[1]);

    const started = performance.now();
    const startSeconds = config.trainingSeconds;
    const elapsed = () => startSeconds + (performance.now() - started) / 1000;
    const totals: Record<Phase, number> = {
      gan: o.ganIterations,
      restoration: o.restorationIterations,
      joint: o.jointIterations,
    };
    // A half-done restoration warm-up's moments, kept past the first phase's load: the worker or
    // the later restoration phase needs them (once the warm-up is done, adam_ir is the joint's).
    if (groups?.adam_ir && config.steps.restoration > 0 && config.steps.restoration < totals.restoration) {
      irAdamSaved = groups.adam_ir;
      delete groups.adam_ir;
    }

    // The restoration warm-up shares nothing with the low-res GAN: where it can, it trains in a
    // worker thread while this thread trains the GAN, and its snapshots come back here to be saved.
    let irLatest: RestorationSnapshot | null = null;
    let irApplied: RestorationSnapshot | null = null;
    let irFailure: unknown = null;
    let ganFinished = false;
    const irFailed = new AbortController();
    const applyIr = () => {
      if (!irLatest || irLatest === irApplied) return;
      const weights = fromHost(irLatest.weights);
      net.restoration.loadStateDict(weights);
      tf.dispose(Object.values(weights));
      config.steps.restoration = irLatest.done;
      irApplied = irLatest;
    };
    // What the running phase adds to a checkpoint: its optimisers and G's weight average.
    let running: { optimizers: Record<string, Adam>; ema: Ema | null } = { optimizers: {}, ema: null };
    const save = async () => {
      if (!run || !model) return;
      config.trainingSeconds = elapsed();
      const { optimizers, ema } = running;
      if (ema) {
        ema.swap();
        net.generator.loadStateDict(liveG.stateDict());
        ema.swap();
      }
      const adamGroups: Record<string, Record<string, tf.Tensor>> = {};
      const adamSteps: Record<string, number> = {};
      for (const [name, opt] of Object.entries(optimizers)) {
        adamGroups[`adam_${name}`] = opt.stateDict();
        adamSteps[name] = opt.iterations;
      }
      const workerState: tf.Tensor[] = [];
      if (irWorker && irLatest) {
        applyIr();
        adamGroups.adam_ir = fromHost(irLatest.adam.state);
        adamSteps.ir = irLatest.adam.iterations;
        workerState.push(...Object.values(adamGroups.adam_ir));
      }
      try {
        // The model first, the training state (what a resume reads) last.
        await run.checkpoint(async () => {
          await saveCheckpoint(run.dir, net, config);
          await saveTrainingState(
            run.dir,
            {
              model: net.stateDict(),
              live_g: liveG.stateDict(),
              critic_lr: criticLr.stateDict(),
              critic_hr: criticHr.stateDict(),
              ...adamGroups,
            },
            { config, seed, adam: adamSteps } satisfies PetsGANTrainingInfo,
          );
        });
      } finally {
        tf.dispose(workerState);
      }
    };
    // One save at a time: the worker's snapshots can ask for one while another is being written.
    const queueSave = () => {
      saving = saving.then(save);
      saving.catch(() => undefined);
      return saving;
    };
    if ((options.parallel ?? true) && config.steps.gan < totals.gan && config.steps.restoration < totals.restoration) {
      irWorker = await startRestorationWorker(
        {
          backend: tf.getBackend() as BackendName,
          net: {
            factor: config.factor,
            channels: config.restorationChannels,
            kernelSize: config.restorationKernel,
            finalKernelSize: config.restorationFinalKernel,
          },
          weights: await toHost(net.restoration.stateDict()),
          adam:
            irAdamSaved && adamIterations.ir !== undefined
              ? { state: await toHost(irAdamSaved), iterations: adamIterations.ir }
              : null,
          pairs: {
            lr: await Promise.all(lrPair.map((t) => toHostTensor(t))),
            hr: await Promise.all(hrPair.map((t) => toHostTensor(t))),
          },
          options: {
            restorationIterations: o.restorationIterations,
            restorationLr: o.restorationLr,
            restorationNoise: o.restorationNoise,
          },
          seed,
          startStep: config.steps.restoration,
          checkpointEvery: run ? checkpointEvery : undefined,
        },
        {
          onProgress,
          onSnapshot: (snapshot) => {
            irLatest = snapshot;
            // While the GAN trains, its own checkpoints carry the latest snapshot.
            if (ganFinished) void queueSave();
          },
          signal,
        },
      );
      irWorker?.finished.catch((error: unknown) => {
        irFailure = error;
        irFailed.abort(error);
      });
    }

    for (const phase of PHASES) {
      if (config.steps[phase] >= totals[phase]) continue;
      const phaseRng = base.fork(phase);
      const optimizers: Record<string, Adam> = {};
      let ema: Ema | null = null;
      let data: tf.Tensor4D | null = null;
      let step: (i: number) => Promise<{ loss: number; metrics: Record<string, number> }>;
      if (phase === 'gan') {
        data = await buildDataset(image, lrSize, o, options.external ?? [], base.fork('data'));
        const dataset = data;
        optimizers.g = new Adam(liveG.trainableParameters(), { lr: o.ganLr, beta1: 0.5, beta2: 0.999 });
        optimizers.d = new Adam(criticLr.trainableParameters(), { lr: o.ganLr, beta1: 0.5, beta2: 0.999 });
        ema = new Ema(liveG.parameters(), o.emaDecay);
        if (groups) ema.loadAverages(net.generator.parameters());
        const averaged = ema;
        const B = o.ganBatch;
        step = async (i) => {
          const r = phaseRng.fork(i);
          let d: Record<string, number> = {};
          for (let k = 0; k < o.criticSteps; k++) {
            // The first critic step draws from the step's own stream, so criticSteps 1 repeats earlier runs;
            // the penalty schedule counts critic steps.
            const rk = k === 0 ? r : r.fork(`critic${k}`);
            const idx = tf.tensor1d(
              Array.from({ length: B }, () => rk.int(dataset.shape[0])),
              'int32',
            );
            const real = tf.gather(dataset, idx) as tf.Tensor4D;
            const fake = tf.tidy(() => liveG.forward(rk.normalTensor([B, ...lrSize, 1]) as tf.Tensor4D));
            const alpha = rk.uniformTensor([B, 1, 1, 1]);
            const lazy = (i * o.criticSteps + k) % o.penaltyEvery !== 0;
            d = await optimizerStep(optimizers.d, (record) => {
              const dReal = tf.mean(scoreLr(real));
              const dFake = tf.mean(scoreLr(fake));
              record('wasserstein', tf.sub(dReal, dFake));
              if (lazy) return tf.sub(dFake, dReal) as tf.Scalar;
              const gp = gradientPenalty({
                critic: (x) => criticLr.forward(x),
                real,
                fake,
                alpha,
                norm: patchCritic ? 'pixel' : 'sample',
              });
              return tf.add(tf.sub(dFake, dReal), tf.mul(gp, o.penaltyWeight * o.penaltyEvery)) as tf.Scalar;
            });
            tf.dispose([idx, real, fake, alpha]);
          }
          const z = r.normalTensor([B, ...lrSize, 1]) as tf.Tensor4D;
          const g = await optimizerStep(optimizers.g, (record) => {
            const scores = scoreLr(liveG.forward(z));
            const adv = tf.neg(tf.mean(scores));
            // The authors' diversity term: push the critic's scores of two samples apart.
            const diversity = tf.neg(
              tf.mean(tf.abs(tf.sub(tf.slice(scores, [0, 0], [1, 1]), tf.slice(scores, [1, 0], [1, 1])))),
            );
            const rec = mse(liveG.forward(net.zRec as tf.Tensor4D), lr);
            record('reconstruction', rec);
            return tf.addN([
              adv,
              tf.mul(diversity, o.diversityWeight),
              tf.mul(rec, o.reconstructionWeight),
            ]) as tf.Scalar;
          });
          averaged.update();
          z.dispose();
          return { loss: g.loss, metrics: { wasserstein: d.wasserstein, reconstruction: g.reconstruction } };
        };
      } else if (phase === 'restoration') {
        const warmup = restorationWarmup(net.restoration, { lr: lrPair, hr: hrPair }, o, phaseRng);
        optimizers.ir = warmup.optimizer;
        step = warmup.step;
      } else {
        optimizers.ir = new Adam(net.restoration.trainableParameters(), { lr: o.jointLr, beta1: 0.5, beta2: 0.999 });
        optimizers.d = new Adam(criticHr.trainableParameters(), { lr: o.jointLr, beta1: 0.5, beta2: 0.999 });
        const reference = model.reference();
        owned.push(reference);
        const { enabled, patchSize, iterations } = config.patchMatch;
        const [H, W] = hrSize;
        const ch = o.jointCrop > 0 ? Math.min(o.jointCrop, H) : H;
        const cw = o.jointCrop > 0 ? Math.min(o.jointCrop, W) : W;
        const cropper = (r: Rng) => {
          const top = r.int(H - ch + 1);
          const left = r.int(W - cw + 1);
          return (x: tf.Tensor4D) => tf.slice(x, [0, top, left, 0], [x.shape[0], ch, cw, 3]) as tf.Tensor4D;
        };
        step = async (i) => {
          const r = phaseRng.fork(i);
          const k = r.int(2);
          const low = tf.tidy(() => {
            const g = net.generator.forward(r.normalTensor([1, ...lrSize, 1]) as tf.Tensor4D);
            return enabled ? patchMatch(g, reference, { patchSize, iterations }) : g;
          });
          const fake = net.restoration.forward(low);
          const cropReal = cropper(r);
          const cropFake = cropper(r);
          const d = await optimizerStep(optimizers.d, (record) => {
            const real = tf.mean(tf.relu(tf.sub(1, criticHr.forward(cropReal(hrPair[k])))));
            const fakeLoss = tf.mean(tf.relu(tf.add(1, criticHr.forward(cropFake(fake)))));
            record('critic_real', real);
            return tf.add(real, fakeLoss) as tf.Scalar;
          });
          const input = noisyInput(lrPair[k], o.restorationNoise, r);
          const g = await optimizerStep(optimizers.ir, (record) => {
            // One restoration pass over both inputs (instance norm keeps the two independent).
            const both = net.restoration.forward(tf.concat([low, input]) as tf.Tensor4D);
            const [H2, W2] = [both.shape[1], both.shape[2]];
            const fakeHr = tf.slice(both, [0, 0, 0, 0], [1, H2, W2, 3]) as tf.Tensor4D;
            const recHr = tf.slice(both, [1, 0, 0, 0], [1, H2, W2, 3]);
            const adv = tf.neg(tf.mean(criticHr.forward(cropFake(fakeHr))));
            const rec = tf.mean(tf.abs(tf.sub(recHr, hrPair[k])));
            record('l1', rec);
            return tf.add(adv, tf.mul(rec, o.jointReconstructionWeight)) as tf.Scalar;
          });
          tf.dispose([low, fake, input]);
          return { loss: g.loss, metrics: { critic: d.loss, l1: g.l1 } };
        };
      }
      for (const [name, opt] of Object.entries(optimizers)) {
        const state = phase === 'restoration' ? irAdamSaved : groups?.[`adam_${name}`];
        if (state && adamIterations[name] !== undefined && config.steps[phase] > 0)
          opt.loadStateDict(state, adamIterations[name]);
      }
      if (groups) {
        disposeGroups(groups);
        groups = null;
      }
      running = { optimizers, ema };
      // The GAN beside a worker also stops when the worker fails, and reports the worker's error.
      const withWorker = phase === 'gan' && irWorker !== null;
      try {
        await trainLoop({
          total: totals[phase],
          startStep: config.steps[phase],
          phase: PHASE_LABEL[phase],
          signal: withWorker ? (signal ? AbortSignal.any([signal, irFailed.signal]) : irFailed.signal) : signal,
          onProgress,
          checkpointEvery,
          onCheckpoint: async (done) => {
            config.steps[phase] = done;
            await queueSave();
          },
          step,
        });
      } catch (error) {
        throw withWorker && irFailure ? irFailure : error;
      } finally {
        for (const opt of Object.values(optimizers)) opt.dispose();
        if (ema) {
          // Sampling uses the averaged generator.
          ema.swap();
          net.generator.loadStateDict(liveG.stateDict());
          ema.swap();
          ema.dispose();
        }
        data?.dispose();
      }
      config.steps[phase] = totals[phase];
      if (phase === 'gan' && irWorker) {
        // The GAN is done; the warm-up may still be running. From now on its snapshots are saved as they come.
        ganFinished = true;
        running = { optimizers: {}, ema: null };
        if (irLatest && irLatest !== irApplied) void queueSave();
        irLatest = await irWorker.finished;
        applyIr();
        await queueSave();
        irWorker = null;
      }
    }
    config.trainingSeconds = elapsed();
    await saving;
    await run?.close();
    const done = model;
    model = null;
    return done;
  } catch (error) {
    // Nothing is closed under a checkpoint being written, or while the worker runs.
    await saving.catch(() => undefined);
    await irWorker?.terminate();
    await run?.close(error);
    throw error;
  } finally {
    // Nothing is disposed under a checkpoint being written, or while the worker runs.
    await saving.catch(() => undefined);
    await irWorker?.terminate();
    if (groups) disposeGroups(groups);
    if (irAdamSaved) tf.dispose(Object.values(irAdamSaved));
    image.dispose();
    tf.dispose(owned);
    for (const m of modules) m.dispose();
    model?.dispose();
  }
}

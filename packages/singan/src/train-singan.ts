import {
  Adam,
  type LongWorkOptions,
  type ProgressEvent,
  type Rng,
  rng,
  saveCheckpoint,
  tf,
  trainLoop,
} from '@scalespace/core';
import { meanOnHost, mse, resizeTo, toSigned } from './ops.js';
import { pyramidSizes } from './pyramid-sizes.js';
import { SINGAN_FORMAT, SinGAN, type SinGANConfig } from './singan.js';
import { SinGANDiscriminator } from './singan-networks.js';
import { assertSameImage, beginTraining, chosenOptions, disposeGroups, saveTrainingState } from './train-state.js';
import { intIn, numberIn, seedOf } from './validate.js';
import { gradientPenalty, optimizerStep } from './wgan-gp.js';

/** SinGAN's training schedule and architecture. Defaults are sized for a 128 px image on 2 CPU cores. */
export interface SinGANTrainOptions {
  /** Longest side of the finest scale (default 128; SinGAN: 250). */
  maxSize?: number;
  /** Shortest side of the coarsest scale (default 25, as SinGAN). */
  minSize?: number;
  /** Ratio between scales (default 0.75, as SinGAN). */
  scaleFactor?: number;
  /** Iterations per scale (default 150; SinGAN: 2000). */
  iterations?: number;
  /** Critic steps per iteration (default 3, as SinGAN). */
  dSteps?: number;
  /** Generator steps per iteration (default 3, as SinGAN). */
  gSteps?: number;
  /** Adam learning rate of both networks (default 5e-4), beta1 0.5. */
  lr?: number;
  /** Fraction of a scale's iterations after which the learning rate drops 10x (default 0.8). */
  lrDecayAt?: number;
  /** Weight of the reconstruction loss (default 10). */
  reconstructionWeight?: number;
  /** Weight of the gradient penalty (default 0.1). */
  penaltyWeight?: number;
  /** Noise amplitude = this x RMSE of the upsampled reconstruction (default 0.1). */
  noiseAmplitude?: number;
  /** Channels at the coarsest scales (default 32). */
  channels?: number;
  /** Channels double every `channelsDoubleEvery` scales up to this (default 32 for speed; SinGAN: 128). */
  maxChannels?: number;
  channelsDoubleEvery?: number;
  /** Conv layers per network (default 5). */
  layers?: number;
}

export interface TrainSinGANOptions extends SinGANTrainOptions, LongWorkOptions {
  /** The training image: a file path or an [H, W, 3] tensor in [0, 1]. */
  image: tf.Tensor3D | string;
  /** Directory for the model and the training state (checkpoints); optional. */
  out?: string;
  /**
   * Continue the run saved in `out`: its options are used, and an option given here that differs
   * from the run's (or another image) is refused.
   */
  resume?: boolean;
  /** Start over in a non-empty `out`. */
  force?: boolean;
  /** Checkpoint every this many iterations within a scale, and after each scale (default 100). */
  checkpointEvery?: number;
  seed?: number;
}

const DEFAULTS: Required<SinGANTrainOptions> = {
  maxSize: 128,
  minSize: 25,
  scaleFactor: 0.75,
  iterations: 150,
  dSteps: 3,
  gSteps: 3,
  lr: 5e-4,
  lrDecayAt: 0.8,
  reconstructionWeight: 10,
  penaltyWeight: 0.1,
  noiseAmplitude: 0.1,
  channels: 32,
  maxChannels: 32,
  channelsDoubleEvery: 4,
  layers: 5,
};

/** Validates and completes training options. */
export function resolveSinGANOptions(options: SinGANTrainOptions): Required<SinGANTrainOptions> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  intIn(o.maxSize, 128, 8, 1024, 'maxSize');
  intIn(o.minSize, 25, 8, 1024, 'minSize');
  numberIn(o.scaleFactor, 0.75, 0.31, 0.94, 'scaleFactor');
  intIn(o.iterations, 150, 1, 100_000, 'iterations');
  intIn(o.dSteps, 3, 1, 20, 'dSteps');
  intIn(o.gSteps, 3, 1, 20, 'gSteps');
  numberIn(o.lr, 5e-4, 1e-7, 1, 'lr');
  numberIn(o.lrDecayAt, 0.8, 0, 1, 'lrDecayAt');
  numberIn(o.reconstructionWeight, 10, 0, 1e4, 'reconstructionWeight');
  numberIn(o.penaltyWeight, 0.1, 0, 1e4, 'penaltyWeight');
  numberIn(o.noiseAmplitude, 0.1, 0, 10, 'noiseAmplitude');
  intIn(o.channels, 32, 1, 512, 'channels');
  intIn(o.maxChannels, 32, o.channels, 512, 'maxChannels');
  intIn(o.channelsDoubleEvery, 4, 1, 100, 'channelsDoubleEvery');
  intIn(o.layers, 5, 3, 12, 'layers');
  return o as Required<SinGANTrainOptions>;
}

interface SinGANTrainingInfo {
  config: SinGANConfig;
  seed: number;
  adamG: number;
  adamD: number;
  /** Scale of the critic stored in the state (-1: none). */
  criticScale: number;
}

function channelsAt(o: Required<SinGANTrainOptions>, s: number): number {
  return Math.min(o.channels * 2 ** Math.floor(s / o.channelsDoubleEvery), o.maxChannels);
}

/**
 * Trains a SinGAN on one image, scale by scale from the coarsest: at each scale a generator and a
 * patch critic with WGAN-GP, plus the reconstruction loss that ties the fixed noise z_rec to the
 * training image. With `out`, writes the model after every scale and a resumable training state
 * every `checkpointEvery` iterations; `resume` continues from there.
 */
export async function trainSinGAN(options: TrainSinGANOptions): Promise<SinGAN> {
  const { signal } = options;
  const { image, checkpointEvery, saved, run, recorded } = await beginTraining<SinGANTrainingInfo>(
    options,
    SINGAN_FORMAT,
    {
      given: chosenOptions(options, Object.keys(DEFAULTS)),
      resolved: () => resolveSinGANOptions(options),
    },
  );
  let model: SinGAN | null = null;
  let critic: SinGANDiscriminator | null = null;
  const reals: tf.Tensor4D[] = [];
  // The saved tensors, until loaded into the modules (disposed here on every path).
  let savedGroups: Record<string, Record<string, tf.Tensor>> | null = null;
  try {
    let seed: number;
    let o: Required<SinGANTrainOptions>;
    let config: SinGANConfig;
    let adamIterations = { g: 0, d: 0 };
    let criticScale = -1;
    if (saved) {
      ({ config, seed } = saved.info);
      o = resolveSinGANOptions(config.training as SinGANTrainOptions);
      adamIterations = { g: saved.info.adamG, d: saved.info.adamD };
      criticScale = saved.info.criticScale;
      savedGroups = saved.groups;
    } else {
      seed = seedOf(options.seed ?? recorded?.seed);
      o = resolveSinGANOptions({ ...recorded?.options, ...chosenOptions(options, Object.keys(DEFAULTS)) });
      const { sizes, scaleFactor } = pyramidSizes({
        imageSize: [image.shape[0], image.shape[1]],
        maxSize: o.maxSize,
        minSize: o.minSize,
        scaleFactor: o.scaleFactor,
      });
      config = {
        format: SINGAN_FORMAT,
        method: 'singan',
        sizes,
        scaleFactor,
        amplitudes: sizes.map(() => 0),
        channels: sizes.map((_, s) => channelsAt(o, s)),
        layers: o.layers,
        kernelSize: 3,
        trainedScales: 0,
        stepInScale: 0,
        trainingSeconds: 0,
        training: { ...o },
      };
    }
    const { sizes } = config;
    const N = sizes.length;
    const finest = tf.tidy(() => resizeTo(tf.expandDims(image, 0) as tf.Tensor4D, ...sizes[N - 1]));
    for (const size of sizes) reals.push(tf.tidy(() => toSigned(resizeTo(finest, ...size)) as tf.Tensor4D));
    const expected = tf.tidy(() => tf.clipByValue(finest, 0, 1));
    finest.dispose();
    model = new SinGAN(config);
    if (savedGroups) {
      model.net.loadStateDict(savedGroups.model ?? {});
      await assertSameImage(model.net.image, expected, run?.dir).finally(() => expected.dispose());
      // The log keeps what the checkpoint holds: whole scales before it, steps up to it in its scale.
      const { trainedScales, stepInScale } = config;
      await run?.resumeLog(
        (e) => (e.scale as number) < trainedScales || (e.scale === trainedScales && (e.step as number) <= stepInScale),
      );
    } else {
      // A fresh run, or a resumed one that stopped before its first checkpoint: it starts over, and so does its log.
      await run?.resumeLog(() => false);
      model.net.image.assign(expected);
      expected.dispose();
      const z = rng(seed)
        .fork('z_rec')
        .normalTensor([1, ...sizes[0], 1]);
      model.net.zRec.assign(z);
      z.dispose();
    }
    if (savedGroups && criticScale >= 0) {
      critic = new SinGANDiscriminator({ channels: config.channels[criticScale], layers: config.layers, rng: rng(0) });
      critic.loadStateDict(savedGroups.critic ?? {});
    }
    // Every step of every scale goes to the run's log, then to the caller.
    const onProgress = (event: ProgressEvent) => {
      const scale = Number(/^scale (\d+)/.exec(event.phase ?? '')?.[1] ?? 1) - 1;
      run?.log({ scale, step: event.step, loss: event.loss, ...event.metrics });
      options.onProgress?.(event);
    };
    const startSeconds = config.trainingSeconds;
    const started = performance.now();
    const elapsed = () => startSeconds + (performance.now() - started) / 1000;

    for (let s = config.trainedScales; s < N; s++) {
      const resumingInScale = savedGroups !== null && config.stepInScale > 0 && criticScale === s;
      const channels = config.channels[s];
      const generator = model.net.generators[s];
      // A new scale starts from the previous scale's weights when the widths match (as SinGAN does).
      if (!resumingInScale) {
        if (s > 0 && config.channels[s - 1] === channels)
          generator.loadStateDict(model.net.generators[s - 1].stateDict());
        const next = new SinGANDiscriminator({ channels, layers: config.layers, rng: rng(seed).fork(`d${s}`) });
        if (critic && criticScale === s - 1 && config.channels[s - 1] === channels)
          next.loadStateDict(critic.stateDict());
        critic?.dispose();
        critic = next;
        criticScale = s;
        config.stepInScale = 0;
      }
      const d = critic as SinGANDiscriminator;
      const real = reals[s];
      // The reconstruction path's input at this scale and the noise amplitude it implies.
      const recPrev =
        s === 0
          ? (tf.zeros([1, ...sizes[0], 3]) as tf.Tensor4D)
          : tf.tidy(() =>
              resizeTo(
                (model as SinGAN).generate({ sizes, n: 1, noise: (model as SinGAN).reconstructionNoise(), to: s }),
                ...sizes[s],
              ),
            );
      if (!resumingInScale) {
        config.amplitudes[s] = s === 0 ? 1 : o.noiseAmplitude * Math.sqrt(await meanOnHost(mse(real, recPrev)));
      }
      const amp = config.amplitudes[s];
      const recInput = tf.tidy(() =>
        s === 0 ? (tf.add(tf.mul((model as SinGAN).net.zRec, amp), recPrev) as tf.Tensor4D) : recPrev.clone(),
      );
      const decayStep = Math.floor(o.lrDecayAt * o.iterations);
      const schedule = (steps: number) => (step: number) => (step < decayStep * steps ? o.lr : o.lr * 0.1);
      const optG = new Adam(generator.trainableParameters(), { lr: schedule(o.gSteps), beta1: 0.5, beta2: 0.999 });
      const optD = new Adam(d.trainableParameters(), { lr: schedule(o.dSteps), beta1: 0.5, beta2: 0.999 });
      if (resumingInScale && savedGroups) {
        optG.loadStateDict(savedGroups.adamG ?? {}, adamIterations.g);
        optD.loadStateDict(savedGroups.adamD ?? {}, adamIterations.d);
      }
      if (savedGroups) {
        disposeGroups(savedGroups);
        savedGroups = null;
      }
      const scaleRng = rng(seed).fork(`scale${s}`);
      const randomPrev = (r: Rng): tf.Tensor4D =>
        s === 0
          ? (tf.zeros([1, ...sizes[0], 3]) as tf.Tensor4D)
          : tf.tidy(() =>
              resizeTo(
                (model as SinGAN).generate({ sizes, n: 1, noise: SinGAN.randomNoise(r.nextUint32()), to: s }),
                ...sizes[s],
              ),
            );
      const noiseShape: [number, number, number, number] = [1, ...sizes[s], s === 0 ? 1 : 3];
      const save = async () => {
        const net = model?.net;
        if (!run || !net) return;
        config.trainingSeconds = elapsed();
        // The model first, the training state (what a resume reads) last.
        await run.checkpoint(async () => {
          await saveCheckpoint(run.dir, net, config);
          await saveTrainingState(
            run.dir,
            { model: net.stateDict(), critic: d.stateDict(), adamG: optG.stateDict(), adamD: optD.stateDict() },
            {
              config,
              seed,
              adamG: optG.iterations,
              adamD: optD.iterations,
              criticScale: s,
            } satisfies SinGANTrainingInfo,
          );
        });
      };
      try {
        await trainLoop({
          total: o.iterations,
          startStep: config.stepInScale,
          phase: `scale ${s + 1}/${N} (${sizes[s][1]}x${sizes[s][0]})`,
          signal,
          onProgress,
          checkpointEvery,
          onCheckpoint: async (done) => {
            config.stepInScale = done;
            if (done === o.iterations) {
              config.trainedScales = s + 1;
              config.stepInScale = 0;
            }
            await save();
          },
          step: async (i) => {
            const r = scaleRng.fork(i);
            let dOut: Record<string, number> = {};
            for (let j = 0; j < o.dSteps; j++) {
              const prev = randomPrev(r);
              const fake = tf.tidy(() => {
                const z = r.normalTensor(noiseShape);
                return generator.forward(tf.add(tf.mul(z, amp), prev) as tf.Tensor4D, prev);
              });
              const alpha = tf.scalar(r.uniform());
              dOut = await optimizerStep(optD, (record) => {
                const dReal = tf.mean(d.forward(real));
                const dFake = tf.mean(d.forward(fake));
                const gp = gradientPenalty({ critic: (x) => d.forward(x), real, fake, alpha, norm: 'pixel' });
                record('critic_real', dReal);
                record('critic_fake', dFake);
                record('penalty', gp);
                return tf.add(tf.sub(dFake, dReal), tf.mul(gp, o.penaltyWeight)) as tf.Scalar;
              });
              tf.dispose([prev, fake, alpha]);
            }
            let gOut: Record<string, number> = {};
            for (let j = 0; j < o.gSteps; j++) {
              const prev = randomPrev(r);
              const z = tf.tidy(() => tf.add(tf.mul(r.normalTensor(noiseShape), amp), prev) as tf.Tensor4D);
              gOut = await optimizerStep(optG, (record) => {
                const adv = tf.neg(tf.mean(d.forward(generator.forward(z, prev))));
                const rec = mse(generator.forward(recInput, recPrev), real);
                record('reconstruction', rec);
                return tf.add(adv, tf.mul(rec, o.reconstructionWeight)) as tf.Scalar;
              });
              tf.dispose([prev, z]);
            }
            return {
              loss: gOut.loss,
              metrics: {
                wasserstein: (dOut.critic_real ?? 0) - (dOut.critic_fake ?? 0),
                penalty: dOut.penalty ?? 0,
                reconstruction: gOut.reconstruction ?? 0,
              },
            };
          },
        });
      } finally {
        optG.dispose();
        optD.dispose();
        tf.dispose([recPrev, recInput]);
      }
      config.trainedScales = s + 1;
      config.stepInScale = 0;
    }
    config.trainingSeconds = elapsed();
    await run?.close();
    const done = model;
    model = null;
    return done;
  } catch (error) {
    await run?.close(error);
    throw error;
  } finally {
    if (savedGroups) disposeGroups(savedGroups);
    image.dispose();
    tf.dispose(reals);
    critic?.dispose();
    model?.dispose();
  }
}

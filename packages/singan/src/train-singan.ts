import { type ProgressEvent, type RunDirectory, rng, saveCheckpoint, tf, trainLoop } from '@scalespace/core';
import { resizeTo, toSigned } from './ops.js';
import { Owner } from './owner.js';
import { SINGAN_FORMAT, SinGAN, type SinGANConfig } from './singan.js';
import { SinGANDiscriminator } from './singan-networks.js';
import {
  newSinGANConfig,
  resolveSinGANOptions,
  SINGAN_DEFAULTS,
  type SinGANTrainOptions,
  type TrainSinGANOptions,
} from './singan-options.js';
import { criticForScale, type ScaleTraining, scaleTraining } from './singan-scale.js';
import { assertSameImage, beginTraining, chosenOptions, saveTrainingState } from './train-state.js';
import { seedOf } from './validate.js';

export type { SinGANTrainOptions, TrainSinGANOptions } from './singan-options.js';
export { resolveSinGANOptions } from './singan-options.js';

/** What a SinGAN run's training state holds besides its tensors. */
interface SinGANTrainingInfo {
  config: SinGANConfig;
  seed: number;
  adamG: number;
  adamD: number;
  /** Scale of the critic stored in the state (-1: none). */
  criticScale: number;
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
      given: chosenOptions(options, Object.keys(SINGAN_DEFAULTS)),
      resolved: () => resolveSinGANOptions(options),
    },
  );
  const owner = new Owner();
  owner.own(image);
  // The saved tensors, until loaded into the modules.
  let savedGroups = saved ? owner.ownTensors(saved.groups) : null;
  try {
    let seed: number;
    let o: Required<SinGANTrainOptions>;
    let config: SinGANConfig;
    if (saved) {
      ({ config, seed } = saved.info);
      o = resolveSinGANOptions(config.training as SinGANTrainOptions);
    } else {
      seed = seedOf(options.seed ?? recorded?.seed);
      o = resolveSinGANOptions({ ...recorded?.options, ...chosenOptions(options, Object.keys(SINGAN_DEFAULTS)) });
      config = newSinGANConfig(o, [image.shape[0], image.shape[1]]);
    }
    const { sizes } = config;
    const N = sizes.length;
    const model = owner.own(new SinGAN(config));
    const reals = owner.ownTensors(
      await startImages(model, image, seed, savedGroups && (savedGroups.model ?? {}), run),
    );
    if (savedGroups) {
      // The log keeps what the checkpoint holds: whole scales before it, steps up to it in its scale.
      const { trainedScales, stepInScale } = config;
      await run?.resumeLog(
        (e) => (e.scale as number) < trainedScales || (e.scale === trainedScales && (e.step as number) <= stepInScale),
      );
    } else {
      // A fresh run, or a resumed one that stopped before its first checkpoint: it starts over, and so does its log.
      await run?.resumeLog(() => false);
    }
    let criticScale = saved?.info.criticScale ?? -1;
    let critic: SinGANDiscriminator | null = null;
    if (savedGroups && criticScale >= 0) {
      critic = owner.own(
        new SinGANDiscriminator({ channels: config.channels[criticScale], layers: config.layers, rng: rng(0) }),
      );
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
      const resuming = savedGroups !== null && config.stepInScale > 0 && criticScale === s;
      if (!resuming) {
        const next = criticForScale(config, s, seed, critic && { critic, scale: criticScale });
        owner.release(critic);
        critic = owner.own(next);
        criticScale = s;
        config.stepInScale = 0;
      }
      const d = critic as SinGANDiscriminator;
      const scale: ScaleTraining = owner.own(
        await scaleTraining({ model, s, critic: d, real: reals[s], o, seed, resuming }),
      );
      const { g: optG, d: optD } = scale.optimizers;
      if (resuming && savedGroups && saved) {
        optG.loadStateDict(savedGroups.adamG ?? {}, saved.info.adamG);
        optD.loadStateDict(savedGroups.adamD ?? {}, saved.info.adamD);
      }
      owner.release(savedGroups);
      savedGroups = null;
      const save = async () => {
        if (!run) return;
        config.trainingSeconds = elapsed();
        const info: SinGANTrainingInfo = {
          config,
          seed,
          adamG: optG.iterations,
          adamD: optD.iterations,
          criticScale: s,
        };
        await saveSinGANRun(
          run,
          model,
          {
            model: model.net.stateDict(),
            critic: d.stateDict(),
            adamG: optG.stateDict(),
            adamD: optD.stateDict(),
          },
          info,
        );
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
          step: scale.step,
        });
      } finally {
        owner.release(scale);
      }
      config.trainedScales = s + 1;
      config.stepInScale = 0;
    }
    config.trainingSeconds = elapsed();
    await run?.close();
    return owner.handOver(model);
  } catch (error) {
    await run?.close(error);
    throw error;
  } finally {
    owner.dispose();
  }
}

/**
 * The training image at every scale, [1, h, w, 3] in [-1, 1], coarse to fine. A fresh run stores
 * the image and draws the fixed reconstruction noise into the model; a resumed one loads the saved
 * model (`savedModel`) and checks that its image is this one.
 */
async function startImages(
  model: SinGAN,
  image: tf.Tensor3D,
  seed: number,
  savedModel: Record<string, tf.Tensor> | null,
  run: RunDirectory | null,
): Promise<tf.Tensor4D[]> {
  const { sizes } = model.config;
  const finest = tf.tidy(() => resizeTo(tf.expandDims(image, 0) as tf.Tensor4D, ...sizes[sizes.length - 1]));
  const reals = sizes.map((size) => tf.tidy(() => toSigned(resizeTo(finest, ...size)) as tf.Tensor4D));
  const expected = tf.tidy(() => tf.clipByValue(finest, 0, 1));
  finest.dispose();
  try {
    if (savedModel) {
      model.net.loadStateDict(savedModel);
      await assertSameImage(model.net.image, expected, run?.dir);
    } else {
      model.net.image.assign(expected);
      const z = rng(seed)
        .fork('z_rec')
        .normalTensor([1, ...sizes[0], 1]);
      model.net.zRec.assign(z);
      z.dispose();
    }
    return reals;
  } catch (error) {
    tf.dispose(reals);
    throw error;
  } finally {
    expected.dispose();
  }
}

/** Writes a checkpoint of the run: the model first, the training state (what a resume reads) last. */
async function saveSinGANRun(
  run: RunDirectory,
  model: SinGAN,
  groups: Record<string, Record<string, tf.Tensor>>,
  info: SinGANTrainingInfo,
): Promise<void> {
  await run.checkpoint(async () => {
    await saveCheckpoint(run.dir, model.net, model.config);
    await saveTrainingState(run.dir, groups, info);
  });
}

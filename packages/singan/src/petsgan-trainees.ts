import { type Adam, type Ema, type RunDirectory, rng, type StepResult, saveCheckpoint, tf } from '@scalespace/core';
import { resizeTo } from './ops.js';
import { PetsGAN, type PetsGANConfig } from './petsgan.js';
import { LowResCritic, LowResGenerator, PatchCritic } from './petsgan-networks.js';
import type { PetsGANTrainOptions } from './petsgan-options.js';
import type { OptimizerState } from './restoration-beside.js';
import { SinGANDiscriminator } from './singan-networks.js';
import { assertSameImage, saveTrainingState } from './train-state.js';

/**
 * The networks a PetsGAN run trains. The model holds the restoration network and G's weight
 * average (what samples use); the live G, the low-res critic and the high-res patch critic are
 * the training's own, and are saved in its checkpoints beside the model.
 */
export interface PetsGANTrainees {
  model: PetsGAN;
  /** The generator the low-res GAN trains (its weight average goes into the model). */
  liveGenerator: LowResGenerator;
  /** The low-res GAN's critic: SinGAN's patch critic ('patch') or PetsGAN's image critic ('image'). */
  lowResCritic: SinGANDiscriminator | LowResCritic;
  /** The joint phase's high-res patch critic. */
  highResCritic: PatchCritic;
  /** Frees the training's own networks (not the model). */
  dispose(): void;
}

/** One training phase: its optimisers (saved as `adam_<name>`), G's weight average (the GAN only) and its step. */
export interface PhaseTraining {
  optimizers: Record<string, Adam>;
  ema: Ema | null;
  step: (i: number) => Promise<StepResult>;
  /** Frees the optimisers, the average and what the step reads. */
  dispose(): void;
}

/** What a PetsGAN run's training state holds besides its tensors. */
export interface PetsGANTrainingInfo {
  config: PetsGANConfig;
  seed: number;
  /** Steps of each saved optimiser. */
  adam: Record<string, number>;
}

/** The networks of a run, each initialised from its own stream of `rng(seed)`. */
export function createTrainees(config: PetsGANConfig, o: Required<PetsGANTrainOptions>, seed: number): PetsGANTrainees {
  const base = rng(seed);
  const model = new PetsGAN(config);
  const liveGenerator = new LowResGenerator({
    channels: config.generatorChannels,
    positionalEncoding: model.net.generator.positional,
    rng: base.fork('g'),
  });
  const lowResCritic =
    o.lowResCritic === 'patch'
      ? new SinGANDiscriminator({ channels: o.criticChannels, layers: o.lowResCriticLayers, rng: base.fork('dlr') })
      : new LowResCritic({ size: config.lrSize, channels: o.criticChannels, rng: base.fork('dlr') });
  const highResCritic = new PatchCritic({
    channels: o.patchCriticChannels,
    branches: o.patchCriticBranches,
    rng: base.fork('dhr'),
  });
  return {
    model,
    liveGenerator,
    lowResCritic,
    highResCritic,
    dispose: () => {
      for (const m of [liveGenerator, lowResCritic, highResCritic]) m.dispose();
    },
  };
}

/**
 * Sets the trainees' starting point from the training image (at any size; it is resized to the
 * model's). A fresh run stores the image at both resolutions, draws the fixed reconstruction noise
 * (`rng(seed).fork('z_rec')`) and starts the average at the live G; a resumed one loads `saved`
 * (the training state's groups) and checks that the saved image is this one.
 */
export async function startTrainees(
  t: PetsGANTrainees,
  image: tf.Tensor3D,
  seed: number,
  saved: Record<string, Record<string, tf.Tensor>> | null,
  runDir: string | undefined,
): Promise<void> {
  const { net, config } = t.model;
  const highRes = tf.tidy(() => resizeTo(tf.expandDims(image, 0) as tf.Tensor4D, ...config.hrSize));
  try {
    if (saved) {
      net.loadStateDict(saved.model ?? {});
      t.liveGenerator.loadStateDict(saved.live_g ?? {});
      t.lowResCritic.loadStateDict(saved.critic_lr ?? {});
      t.highResCritic.loadStateDict(saved.critic_hr ?? {});
      const expected = tf.tidy(() => tf.clipByValue(highRes, 0, 1));
      await assertSameImage(net.image, expected, runDir).finally(() => expected.dispose());
      return;
    }
    net.generator.loadStateDict(t.liveGenerator.stateDict());
    tf.tidy(() => {
      net.image.assign(tf.clipByValue(highRes, 0, 1));
      net.lowRes.assign(tf.clipByValue(resizeTo(highRes, ...config.lrSize), 0, 1));
      net.zRec.assign(
        rng(seed)
          .fork('z_rec')
          .normalTensor([1, ...config.lrSize, 1]),
      );
    });
  } finally {
    highRes.dispose();
  }
}

/** Copies G's weight average into the model (sampling uses the averaged generator). */
export function storeAverage(t: PetsGANTrainees, ema: Ema): void {
  ema.swap();
  t.model.net.generator.loadStateDict(t.liveGenerator.stateDict());
  ema.swap();
}

/**
 * Writes a checkpoint: the model first, then the training state (what a resume reads): the
 * trainees' weights, the running phase's optimisers (`adam_<name>`; G's weight average goes into
 * the model) and a warm-up running beside it (`warmup`: its latest optimiser state, as `adam_ir`).
 */
export async function savePetsGANRun(
  run: RunDirectory,
  t: PetsGANTrainees,
  progress: { config: PetsGANConfig; seed: number; running: PhaseTraining | null; warmup: OptimizerState | null },
): Promise<void> {
  const { running, warmup } = progress;
  if (running?.ema) storeAverage(t, running.ema);
  const groups: Record<string, Record<string, tf.Tensor>> = {};
  const adam: Record<string, number> = {};
  for (const [name, opt] of Object.entries(running?.optimizers ?? {})) {
    groups[`adam_${name}`] = opt.stateDict();
    adam[name] = opt.iterations;
  }
  if (warmup) {
    groups.adam_ir = warmup.state;
    adam.ir = warmup.iterations;
  }
  const { net, config } = t.model;
  const info: PetsGANTrainingInfo = { config: progress.config, seed: progress.seed, adam };
  await run.checkpoint(async () => {
    await saveCheckpoint(run.dir, net, config);
    await saveTrainingState(
      run.dir,
      {
        model: net.stateDict(),
        live_g: t.liveGenerator.stateDict(),
        critic_lr: t.lowResCritic.stateDict(),
        critic_hr: t.highResCritic.stateDict(),
        ...groups,
      },
      info,
    );
  });
}

/**
 * Loads the saved moments of a phase's optimisers: `saved(name)` gives them, `steps` the optimisers'
 * step counts. Only a phase resumed in its middle (`resumed`) has any.
 */
export function loadOptimizers(
  training: PhaseTraining,
  saved: (name: string) => Record<string, tf.Tensor> | undefined,
  steps: Record<string, number>,
  resumed: boolean,
): void {
  for (const [name, optimizer] of Object.entries(training.optimizers)) {
    const state = saved(name);
    if (state && steps[name] !== undefined && resumed) optimizer.loadStateDict(state, steps[name]);
  }
}

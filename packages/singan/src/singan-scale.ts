import { Adam, type Rng, rng, type StepResult, tf } from '@scalespace/core';
import { meanOnHost, mse, resizeTo } from './ops.js';
import { SinGAN } from './singan.js';
import { SinGANDiscriminator } from './singan-networks.js';
import type { SinGANTrainOptions } from './singan-options.js';
import { gradientPenalty, optimizerStep } from './wgan-gp.js';

/** One scale of SinGAN's training: its optimisers, its step, and the tensors the step reads (freed by `dispose`). */
export interface ScaleTraining {
  optimizers: { g: Adam; d: Adam };
  step: (i: number) => Promise<StepResult>;
  dispose(): void;
}

/**
 * The critic of scale `s`: a new one (from `rng(seed).fork('d<s>')`), which starts from the critic of
 * the scale below when the widths match, as SinGAN does. The caller disposes `previous`.
 */
export function criticForScale(
  config: { channels: number[]; layers: number },
  s: number,
  seed: number,
  previous: { critic: SinGANDiscriminator; scale: number } | null,
): SinGANDiscriminator {
  const channels = config.channels[s];
  const critic = new SinGANDiscriminator({ channels, layers: config.layers, rng: rng(seed).fork(`d${s}`) });
  if (previous && previous.scale === s - 1 && config.channels[s - 1] === channels)
    critic.loadStateDict(previous.critic.stateDict());
  return critic;
}

/**
 * Sets up scale `s`: a new scale's generator starts from the previous scale's weights when the
 * widths match (as SinGAN does) and its noise amplitude is set from the reconstruction one scale
 * below (0.1 x its RMSE); a scale resumed in the middle keeps both. Each step is `dSteps` critic
 * steps (WGAN-GP) then `gSteps` generator steps (adversarial + reconstruction of the training image
 * from the fixed noise), all drawn from `rng(seed).fork('scale<s>').fork(i)`.
 */
export async function scaleTraining(options: {
  model: SinGAN;
  s: number;
  critic: SinGANDiscriminator;
  /** The training image at this scale, [1, h, w, 3] in [-1, 1]. */
  real: tf.Tensor4D;
  o: Required<SinGANTrainOptions>;
  seed: number;
  /** Continuing this scale from a checkpoint in its middle. */
  resuming: boolean;
}): Promise<ScaleTraining> {
  const { model, s, critic, real, o, seed, resuming } = options;
  const { config } = model;
  const { sizes } = config;
  const generator = model.net.generators[s];
  if (!resuming && s > 0 && config.channels[s - 1] === config.channels[s])
    generator.loadStateDict(model.net.generators[s - 1].stateDict());
  // The reconstruction path's input at this scale and the noise amplitude it implies.
  const recPrev = upsampledFrom(model, s, () => model.reconstructionNoise());
  if (!resuming) {
    config.amplitudes[s] = s === 0 ? 1 : o.noiseAmplitude * Math.sqrt(await meanOnHost(mse(real, recPrev)));
  }
  const amp = config.amplitudes[s];
  const recInput = tf.tidy(() =>
    s === 0 ? (tf.add(tf.mul(model.net.zRec, amp), recPrev) as tf.Tensor4D) : recPrev.clone(),
  );
  const decayStep = Math.floor(o.lrDecayAt * o.iterations);
  const schedule = (steps: number) => (step: number) => (step < decayStep * steps ? o.lr : o.lr * 0.1);
  const g = new Adam(generator.trainableParameters(), { lr: schedule(o.gSteps), beta1: 0.5, beta2: 0.999 });
  const d = new Adam(critic.trainableParameters(), { lr: schedule(o.dSteps), beta1: 0.5, beta2: 0.999 });
  const scaleRng = rng(seed).fork(`scale${s}`);
  // The coarsest scale draws nothing here (its input is zeros): the stream stays as it always was.
  const randomPrev = (r: Rng) => upsampledFrom(model, s, () => SinGAN.randomNoise(r.nextUint32()));
  const noiseShape: [number, number, number, number] = [1, ...sizes[s], s === 0 ? 1 : 3];

  const step = async (i: number): Promise<StepResult> => {
    const r = scaleRng.fork(i);
    let dOut: Record<string, number> = {};
    for (let j = 0; j < o.dSteps; j++) {
      const prev = randomPrev(r);
      const fake = tf.tidy(() => {
        const z = r.normalTensor(noiseShape);
        return generator.forward(tf.add(tf.mul(z, amp), prev) as tf.Tensor4D, prev);
      });
      const alpha = tf.scalar(r.uniform());
      dOut = await optimizerStep(d, (record) => {
        const dReal = tf.mean(critic.forward(real));
        const dFake = tf.mean(critic.forward(fake));
        const gp = gradientPenalty({ critic: (x) => critic.forward(x), real, fake, alpha, norm: 'pixel' });
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
      gOut = await optimizerStep(g, (record) => {
        const adv = tf.neg(tf.mean(critic.forward(generator.forward(z, prev))));
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
  };
  return {
    optimizers: { g, d },
    step,
    dispose: () => {
      g.dispose();
      d.dispose();
      tf.dispose([recPrev, recInput]);
    },
  };
}

/** The input scale `s` gets from the scales below it with `noise()` (zeros at the coarsest), at its size. */
function upsampledFrom(model: SinGAN, s: number, noise: () => ReturnType<SinGAN['reconstructionNoise']>): tf.Tensor4D {
  const { sizes } = model.config;
  if (s === 0) return tf.zeros([1, ...sizes[0], 3]) as tf.Tensor4D;
  return tf.tidy(() => resizeTo(model.generate({ sizes, n: 1, noise: noise(), to: s }), ...sizes[s]));
}

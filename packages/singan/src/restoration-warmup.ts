import { Adam, type Rng, tf } from '@scalespace/core';
import { mse } from './ops.js';
import type { RestorationNet } from './petsgan-networks.js';
import { optimizerStep } from './wgan-gp.js';

/** The restoration warm-up's schedule (the PetsGAN trainer's options of the same names). */
export interface RestorationWarmupOptions {
  restorationIterations: number;
  restorationLr: number;
  restorationNoise: number;
}

/** The training pairs: the low-res image and its mirror, and the high-res ones they restore to, in [-1, 1]. */
export interface RestorationPairs {
  lowRes: tf.Tensor4D[];
  highRes: tf.Tensor4D[];
}

/**
 * Phase 2 of PetsGAN: the restoration network learns low-res -> high-res on the image and its
 * mirror, with noise-augmented inputs, its learning rate halved every tenth of the schedule. It
 * depends on nothing the low-res GAN learns, so it can run beside it (see `restoration-worker.ts`).
 * `phaseRng` draws step i from `phaseRng.fork(i)`, so a run split and resumed is the same run.
 */
export function restorationWarmup(
  net: RestorationNet,
  pairs: RestorationPairs,
  o: RestorationWarmupOptions,
  phaseRng: Rng,
): { optimizer: Adam; step: (i: number) => Promise<{ loss: number; metrics: Record<string, number> }> } {
  const every = Math.max(1, Math.round(o.restorationIterations / 10));
  const optimizer = new Adam(net.trainableParameters(), {
    lr: (t) => o.restorationLr * 0.5 ** Math.floor(t / every),
    beta1: 0.9,
    beta2: 0.999,
  });
  const step = async (i: number) => {
    const r = phaseRng.fork(i);
    const k = r.int(2);
    const input = noisyInput(pairs.lowRes[k], o.restorationNoise, r);
    const { loss } = await optimizerStep(optimizer, () => mse(net.forward(input), pairs.highRes[k]));
    input.dispose();
    return { loss, metrics: { psnr: 10 * Math.log10(4 / loss) } };
  };
  return { optimizer, step };
}

/** x + N(0, std^2) with probability 0.5 (the restoration's input augmentation), else a copy. */
export function noisyInput(x: tf.Tensor4D, std: number, r: Rng): tf.Tensor4D {
  return tf.tidy(() =>
    r.uniform() < 0.5 ? (tf.add(x, tf.mul(r.normalTensor(x.shape), std)) as tf.Tensor4D) : tf.clone(x),
  );
}

import { Adam, Ema, type Rng, tf } from '@scalespace/core';
import { mse } from './ops.js';
import { lowResDataset, type TrainingPairs } from './petsgan-dataset.js';
import type { PetsGANTrainOptions } from './petsgan-options.js';
import type { PetsGANTrainees, PhaseTraining } from './petsgan-trainees.js';
import { gradientPenalty, optimizerStep } from './wgan-gp.js';

/**
 * Phase 1 of PetsGAN: the low-resolution GAN. Each step is `criticSteps` critic steps (WGAN-GP on a
 * batch of the low-res data set against G's samples; the penalty every `penaltyEvery`-th critic
 * step, weighted to match) and one G step (adversarial, the authors' diversity term, and the
 * reconstruction of the low-res image from the fixed noise); G's weights are averaged for
 * sampling. Step i draws from `phaseRng.fork(i)`.
 */
export async function lowResGan(options: {
  trainees: PetsGANTrainees;
  pairs: TrainingPairs;
  /** The training image as loaded (the data set's augmentations warp it at full size). */
  image: tf.Tensor3D;
  external: Array<tf.Tensor3D | string>;
  o: Required<PetsGANTrainOptions>;
  /** The data set's stream. */
  dataRng: Rng;
  phaseRng: Rng;
  /** Resuming: the model's generator holds the weight average so far. */
  resumed: boolean;
}): Promise<PhaseTraining> {
  const { trainees, o, phaseRng } = options;
  const { liveGenerator: generator, lowResCritic: critic, model } = trainees;
  const lowResSize = model.config.lrSize;
  const lowRes = options.pairs.lowRes[0];
  const data = await lowResDataset(options.image, lowResSize, o, options.external, options.dataRng);
  const g = new Adam(generator.trainableParameters(), { lr: o.ganLr, beta1: 0.5, beta2: 0.999 });
  const d = new Adam(critic.trainableParameters(), { lr: o.ganLr, beta1: 0.5, beta2: 0.999 });
  const ema = new Ema(generator.parameters(), o.emaDecay);
  if (options.resumed) ema.loadAverages(model.net.generator.parameters());
  const patchCritic = o.lowResCritic === 'patch';
  // Per-sample scores [N, 1] from either critic (the patch critic's maps are averaged).
  const scores = (x: tf.Tensor4D) =>
    tf.tidy(() => {
      const s = critic.forward(x);
      return patchCritic ? tf.mean(s, [1, 2]) : s;
    });
  const B = o.ganBatch;

  const step = async (i: number) => {
    const r = phaseRng.fork(i);
    let dOut: Record<string, number> = {};
    for (let k = 0; k < o.criticSteps; k++) {
      // The first critic step draws from the step's own stream, so criticSteps 1 repeats earlier runs;
      // the penalty schedule counts critic steps.
      const rk = k === 0 ? r : r.fork(`critic${k}`);
      const idx = tf.tensor1d(
        Array.from({ length: B }, () => rk.int(data.shape[0])),
        'int32',
      );
      const real = tf.gather(data, idx) as tf.Tensor4D;
      const fake = tf.tidy(() => generator.forward(rk.normalTensor([B, ...lowResSize, 1]) as tf.Tensor4D));
      const alpha = rk.uniformTensor([B, 1, 1, 1]);
      const lazy = (i * o.criticSteps + k) % o.penaltyEvery !== 0;
      dOut = await optimizerStep(d, (record) => {
        const dReal = tf.mean(scores(real));
        const dFake = tf.mean(scores(fake));
        record('wasserstein', tf.sub(dReal, dFake));
        if (lazy) return tf.sub(dFake, dReal) as tf.Scalar;
        const gp = gradientPenalty({
          critic: (x) => critic.forward(x),
          real,
          fake,
          alpha,
          norm: patchCritic ? 'pixel' : 'sample',
        });
        return tf.add(tf.sub(dFake, dReal), tf.mul(gp, o.penaltyWeight * o.penaltyEvery)) as tf.Scalar;
      });
      tf.dispose([idx, real, fake, alpha]);
    }
    const z = r.normalTensor([B, ...lowResSize, 1]) as tf.Tensor4D;
    const gOut = await optimizerStep(g, (record) => {
      const s = scores(generator.forward(z));
      const adversarial = tf.neg(tf.mean(s));
      // The authors' diversity term: push the critic's scores of two samples apart.
      const diversity = tf.neg(tf.mean(tf.abs(tf.sub(tf.slice(s, [0, 0], [1, 1]), tf.slice(s, [1, 0], [1, 1])))));
      const rec = mse(generator.forward(model.net.zRec as tf.Tensor4D), lowRes);
      record('reconstruction', rec);
      return tf.addN([
        adversarial,
        tf.mul(diversity, o.diversityWeight),
        tf.mul(rec, o.reconstructionWeight),
      ]) as tf.Scalar;
    });
    ema.update();
    z.dispose();
    return { loss: gOut.loss, metrics: { wasserstein: dOut.wasserstein, reconstruction: gOut.reconstruction } };
  };
  return {
    optimizers: { g, d },
    ema,
    step,
    dispose: () => {
      for (const owned of [g, d, ema, data]) owned.dispose();
    },
  };
}

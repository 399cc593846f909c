import { Adam, type Rng, tf } from '@scalespace/core';
import { patchMatch } from './patch-match.js';
import type { TrainingPairs } from './petsgan-dataset.js';
import type { PetsGANTrainOptions } from './petsgan-options.js';
import type { PetsGANTrainees, PhaseTraining } from './petsgan-trainees.js';
import { noisyInput } from './restoration-warmup.js';
import { optimizerStep } from './wgan-gp.js';

/**
 * Phase 3 of PetsGAN: G (its weight average) is frozen; its samples pass through patch matching
 * and the restoration network, and a high-res patch critic (hinge loss, on random `jointCrop`
 * crops) trains the restoration network, with the reconstruction of the image (or its mirror)
 * kept as an L1 term. Step i draws from `phaseRng.fork(i)`.
 */
export function jointTraining(
  trainees: PetsGANTrainees,
  pairs: TrainingPairs,
  o: Required<PetsGANTrainOptions>,
  phaseRng: Rng,
): PhaseTraining {
  const { model, highResCritic: critic } = trainees;
  const { net, config } = model;
  const restoration = new Adam(net.restoration.trainableParameters(), { lr: o.jointLr, beta1: 0.5, beta2: 0.999 });
  const d = new Adam(critic.trainableParameters(), { lr: o.jointLr, beta1: 0.5, beta2: 0.999 });
  const reference = model.reference();
  const { enabled, patchSize, iterations } = config.patchMatch;
  const [H, W] = config.hrSize;
  const ch = o.jointCrop > 0 ? Math.min(o.jointCrop, H) : H;
  const cw = o.jointCrop > 0 ? Math.min(o.jointCrop, W) : W;
  const cropper = (r: Rng) => {
    const top = r.int(H - ch + 1);
    const left = r.int(W - cw + 1);
    return (x: tf.Tensor4D) => tf.slice(x, [0, top, left, 0], [x.shape[0], ch, cw, 3]) as tf.Tensor4D;
  };

  const step = async (i: number) => {
    const r = phaseRng.fork(i);
    const k = r.int(2);
    const highRes = pairs.highRes[k];
    const low = tf.tidy(() => {
      const g = net.generator.forward(r.normalTensor([1, ...config.lrSize, 1]) as tf.Tensor4D);
      return enabled ? patchMatch(g, reference, { patchSize, iterations }) : g;
    });
    const fake = net.restoration.forward(low);
    const cropReal = cropper(r);
    const cropFake = cropper(r);
    const dOut = await optimizerStep(d, (record) => {
      const real = tf.mean(tf.relu(tf.sub(1, critic.forward(cropReal(highRes)))));
      const fakeLoss = tf.mean(tf.relu(tf.add(1, critic.forward(cropFake(fake)))));
      record('critic_real', real);
      return tf.add(real, fakeLoss) as tf.Scalar;
    });
    const input = noisyInput(pairs.lowRes[k], o.restorationNoise, r);
    const gOut = await optimizerStep(restoration, (record) => {
      // One restoration pass over both inputs (instance norm keeps the two independent).
      const both = net.restoration.forward(tf.concat([low, input]) as tf.Tensor4D);
      const [H2, W2] = [both.shape[1], both.shape[2]];
      const generated = tf.slice(both, [0, 0, 0, 0], [1, H2, W2, 3]) as tf.Tensor4D;
      const restored = tf.slice(both, [1, 0, 0, 0], [1, H2, W2, 3]);
      const adversarial = tf.neg(tf.mean(critic.forward(cropFake(generated))));
      const rec = tf.mean(tf.abs(tf.sub(restored, highRes)));
      record('l1', rec);
      return tf.add(adversarial, tf.mul(rec, o.jointReconstructionWeight)) as tf.Scalar;
    });
    tf.dispose([low, fake, input]);
    return { loss: gOut.loss, metrics: { critic: dOut.loss, l1: gOut.l1 } };
  };
  return {
    // The restoration's optimiser is saved as `adam_ir`, the warm-up's name.
    optimizers: { ir: restoration, d },
    ema: null,
    step,
    dispose: () => {
      restoration.dispose();
      d.dispose();
      reference.dispose();
    },
  };
}

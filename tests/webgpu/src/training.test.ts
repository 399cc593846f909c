// One training step of each model family's smallest configuration on webgpu against wasm: through
// the real trainers (the loss and every weight after the step) where Adam's first step is stable.
import { createModel, trainModel } from '@scalespace/autoregressive';
import { type Module, rng, tf } from '@scalespace/core';
import { createDenoiser, trainDenoiser } from '@scalespace/denoisers';
import { VDVAE } from '@scalespace/hvae';
import { gradientPenalty, SinGANDiscriminator, SinGANGenerator } from '@scalespace/singan';
import { describe, it } from 'vitest';
import { expectSameOnBoth, host, onBothBackends, webgpuSkipReason } from './harness.js';

const skip = await webgpuSkipReason();

/** The loss and the gradient of every trainable parameter of `module`, on the host. */
async function lossAndGradients(module: Module, loss: () => tf.Scalar): Promise<Record<string, Float32Array>> {
  const named = module.namedParameters().filter(([, v]) => v.trainable);
  const { value, grads } = tf.variableGrads(
    loss,
    named.map(([, v]) => v),
  );
  const out: Record<string, Float32Array> = { loss: await host(value) };
  for (const [name, v] of named) out[`grad.${name}`] = await host(grads[v.name]);
  return out;
}

const prefixed = (prefix: string, values: Record<string, Float32Array>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}.${k}`, v]));

async function weights(module: Module): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(module.stateDict())) out[name] = await host(tf.clone(t));
  return out;
}

describe.skipIf(skip !== null)('one training step on webgpu equals wasm', () => {
  it('PixelPyramids (autoregressive)', async () => {
    const results = await onBothBackends(async () => {
      const model = createModel(
        {
          kind: 'pixelpyramids',
          model: {
            height: 8,
            width: 8,
            channels: 1,
            bits: 3,
            components: 2,
            coarsest: 2,
            coarseModel: { filters: 8, resnets: 1 },
            level: { filters: 8, blocks: 1 },
            squeeze: 1,
          },
        },
        1,
      );
      const batch = () =>
        tf.tidy(() => tf.cast(tf.mul(rng(5).uniformTensor([4, 8, 8, 1]), 7.99), 'int32') as tf.Tensor4D);
      const result = await trainModel(model, { steps: 1, batch });
      const out = { loss: [result.lastBitsPerDim ?? Number.NaN], ...(await weights(model.module)) };
      model.module.dispose();
      return out;
    });
    expectSameOnBoth(results);
  });

  // VD-VAE and SinGAN train with Adam on weights whose gradient is ~0 in places (biases before a
  // normalisation): Adam's first step is about lr * sign(g) there, so float rounding flips it. Their
  // step is checked as what decides it: the loss and every gradient.
  it('VD-VAE (hvae): the loss and its gradients', async () => {
    const results = await onBothBackends(async () => {
      const model = new VDVAE(
        {
          imageSize: 8,
          imageChannels: 1,
          width: 8,
          zdim: 2,
          numMixtures: 2,
          encBlocks: '8x1,8d2,4x1,4d4,1x1',
          decBlocks: '1x1,4m1,4x1,8m4',
        },
        { seed: 1 },
      );
      const x = rng(6).uniformTensor([4, 8, 8, 1]) as tf.Tensor4D;
      const out = await lossAndGradients(model, () => model.elboTerms(x, { rng: rng(2) }).loss);
      x.dispose();
      model.dispose();
      return out;
    });
    expectSameOnBoth(results, { scaleOf: (name) => (name === 'loss' ? name : 'grad') });
  });

  it('a multi-scale denoiser (denoisers)', async () => {
    const results = await onBothBackends(async () => {
      const model = createDenoiser(
        {
          kind: 'multiscale',
          channels: 1,
          levels: 1,
          lowpass: { depth: 2, width: 8, rf: 5 },
          conditional: { depth: 2, width: 8, rf: 5 },
        },
        { seed: 1 },
      );
      const images = [rng(7).uniformTensor([16, 16, 1]) as tf.Tensor3D];
      const result = await trainDenoiser(model, { images, steps: 1, batchSize: 2, patchSize: 8, seed: 1 });
      tf.dispose(images);
      const out = { loss: result.losses, ...(await weights(model)) };
      model.dispose();
      return out;
    });
    expectSameOnBoth(results);
  });

  it('SinGAN (singan): the critic loss with its gradient penalty, the generator loss, and their gradients', async () => {
    const results = await onBothBackends(async () => {
      const r = rng(3);
      const g = new SinGANGenerator({ channels: 8, layers: 3, rng: r.fork('g') });
      const d = new SinGANDiscriminator({ channels: 8, layers: 3, rng: r.fork('d') });
      const real = r.uniformTensor([1, 12, 12, 3], { min: -1, max: 1 }) as tf.Tensor4D;
      const z = r.normalTensor([1, 12, 12, 3]) as tf.Tensor4D;
      const prev = tf.zerosLike(real);
      const alpha = tf.scalar(0.3);
      const fake = tf.tidy(() => g.forward(z, prev));
      const critic = await lossAndGradients(d, () => {
        const gp = gradientPenalty({ critic: (v) => d.forward(v), real, fake, alpha, norm: 'pixel' });
        return tf.add(tf.sub(tf.mean(d.forward(fake)), tf.mean(d.forward(real))), tf.mul(gp, 0.1)) as tf.Scalar;
      });
      const generator = await lossAndGradients(g, () => {
        const rec = tf.mean(tf.squaredDifference(g.forward(z, prev), real));
        return tf.add(tf.neg(tf.mean(d.forward(g.forward(z, prev)))), tf.mul(rec, 10)) as tf.Scalar;
      });
      tf.dispose([real, z, prev, alpha, fake]);
      g.dispose();
      d.dispose();
      return { ...prefixed('critic', critic), ...prefixed('generator', generator) };
    });
    // Gradients against the largest gradient of their network; losses on their own.
    expectSameOnBoth(results, { scaleOf: (name) => (name.endsWith('.loss') ? name : name.split('.')[0]) });
  });
});

import { rng, tf } from '@scalespace/core';
import { afterAll, describe, expect, it } from 'vitest';
import { SinGANDiscriminator } from './singan-networks.js';
import { gradientPenalty } from './wgan-gp.js';

// The gradient penalty differentiates the critic's input gradient once more (double backprop through
// conv, instance norm and LeakyReLU). Its gradient with respect to the critic's weights must match
// central finite differences, on the wasm backend (with core's training kernels) and on cpu.
describe.each(['wasm', 'cpu'])('gradient penalty on %s', (backend) => {
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('has weight gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const r = rng(3);
    const d = new SinGANDiscriminator({ channels: 4, layers: 3, rng: r.fork('d') });
    // Larger weights than the GAN init, so the penalty is far from flat.
    for (const p of d.parameters()) tf.tidy(() => p.assign(tf.mul(p, 20)));
    const real = r.normalTensor([2, 9, 9, 3]) as tf.Tensor4D;
    const fake = r.normalTensor([2, 9, 9, 3]) as tf.Tensor4D;
    const alpha = tf.tensor4d([0.3, 0.8], [2, 1, 1, 1]);
    const loss = () => gradientPenalty({ critic: (x) => d.forward(x), real, fake, alpha, norm: 'pixel' });
    const w = d.blocks[1].conv.weight;
    const { grads, value } = tf.variableGrads(loss, [w]);
    const analytic = grads[w.name].dataSync();
    const base = w.dataSync().slice();
    const eps = 1e-2;
    for (const idx of [0, 7, 33, 100, 143]) {
      const plus = base.slice();
      plus[idx] += eps;
      tf.tidy(() => w.assign(tf.tensor(plus, w.shape)));
      const lp = tf.tidy(() => loss().dataSync()[0]);
      const minus = base.slice();
      minus[idx] -= eps;
      tf.tidy(() => w.assign(tf.tensor(minus, w.shape)));
      const lm = tf.tidy(() => loss().dataSync()[0]);
      tf.tidy(() => w.assign(tf.tensor(base, w.shape)));
      const numeric = (lp - lm) / (2 * eps);
      expect(Math.abs(analytic[idx] - numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
    }
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([real, fake, alpha, value, ...Object.values(grads)]);
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

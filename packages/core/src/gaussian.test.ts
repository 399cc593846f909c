import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianKl, gaussianLogProb, gaussianSample } from './gaussian.js';
import { rng } from './rng.js';
import { tf } from './tf.js';

describe('diagonal Gaussian', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('logProb matches the closed form', () => {
    const lp = gaussianLogProb(tf.tensor1d([1.5]), tf.tensor1d([0.5]), tf.tensor1d([Math.log(2)])).dataSync()[0];
    expect(lp).toBeCloseTo(-0.5 * Math.log(2 * Math.PI) - Math.log(2) - 0.125, 6);
  });

  it('analytic KL matches a Monte Carlo estimate', () => {
    const before = tf.memory().numTensors;
    const qm = tf.tensor1d([0.3, -1, 2]);
    const qs = tf.tensor1d([-0.5, 0.2, 0]);
    const pm = tf.tensor1d([0, 0.5, 1.5]);
    const ps = tf.tensor1d([0.1, -0.3, 0.4]);
    const analytic = tf.tidy(() => gaussianKl(qm, qs, pm, ps).dataSync());
    const n = 200_000;
    const mc = tf.tidy(() => {
      const z = gaussianSample(tf.tile(tf.expandDims(qm, 0), [n, 1]), tf.tile(tf.expandDims(qs, 0), [n, 1]), {
        rng: rng(1),
      });
      const ratio = tf.sub(gaussianLogProb(z, qm, qs), gaussianLogProb(z, pm, ps));
      return tf.mean(ratio, 0).dataSync();
    });
    for (let i = 0; i < 3; i++) expect(Math.abs(mc[i] - analytic[i])).toBeLessThan(0.01 + 0.02 * analytic[i]);
    expect(tf.tidy(() => gaussianKl(qm, qs, qm, qs).dataSync()).every((v) => Math.abs(v) < 1e-6)).toBe(true);
    tf.dispose([qm, qs, pm, ps]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('temperature 0 returns the mean; samples are seeded', () => {
    const m = tf.tensor1d([1, 2]);
    const s = tf.tensor1d([0, 1]);
    expect(Array.from(gaussianSample(m, s, { rng: rng(1), temperature: 0 }).dataSync())).toEqual([1, 2]);
    const a = gaussianSample(m, s, { rng: rng(5) }).dataSync();
    const b = gaussianSample(m, s, { rng: rng(5) }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

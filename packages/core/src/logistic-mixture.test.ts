import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { logisticMixtureLogProb, logisticMixtureParamCount, logisticMixtureSample } from './logistic-mixture.js';
import { rng } from './rng.js';
import { tf } from './tf.js';

/** Total probability of every value (or every pixel for several channels) under random parameters. */
function totalProbability(bits: number, channels: number, components: number, seed: number, spread = 1): number {
  return tf.tidy(() => {
    const n = 2 ** bits;
    const count = n ** channels;
    const values = new Int32Array(count * channels);
    for (let i = 0; i < count; i++) {
      let rest = i;
      for (let c = 0; c < channels; c++) {
        values[i * channels + c] = rest % n;
        rest = Math.floor(rest / n);
      }
    }
    const p = logisticMixtureParamCount(channels, components);
    const params = tf.tile(rng(seed).normalTensor([1, p], { std: spread }), [count, 1]);
    const x = tf.tensor2d(values, [count, channels], 'int32');
    const logp = logisticMixtureLogProb(params, x, { bits, channels, components });
    return tf.sum(tf.exp(logp)).dataSync()[0];
  });
}

describe('discretized logistic mixture', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([
    [2, 1, 1],
    [2, 1, 5],
    [8, 1, 10],
    [5, 1, 3],
  ])('the %i-bit probabilities of all values sum to 1 (%i channel, %i components)', (bits, channels, components) => {
    for (const seed of [1, 2, 3]) {
      expect(Math.abs(totalProbability(bits, channels, components, seed) - 1)).toBeLessThan(1e-5);
    }
  });

  it('with channel coupling (RGB, 2 and 4 bits) the joint over all colours sums to 1', () => {
    expect(Math.abs(totalProbability(2, 3, 4, 5, 2) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(totalProbability(4, 3, 2, 6) - 1)).toBeLessThan(1e-5);
  });

  it('stays normalised with sharp components (log-scale at the clamp) and far-off means', () => {
    const bits = 8;
    const params = tf.tensor2d([[0, 0.3, -9]]); // 1 component: mean 0.3, log-scale -9 (clamped to -7)
    const x = tf.tensor2d(
      Array.from({ length: 256 }, (_, k) => [k]),
      [256, 1],
      'int32',
    );
    const p = tf.exp(logisticMixtureLogProb(tf.tile(params, [256, 1]), x, { bits, channels: 1, components: 1 }));
    expect(Math.abs(tf.sum(p).dataSync()[0] - 1)).toBeLessThan(1e-5);
    const far = tf.tensor2d([[0, 5, -2]]);
    const pf = tf.exp(logisticMixtureLogProb(tf.tile(far, [256, 1]), x, { bits, channels: 1, components: 1 }));
    expect(pf.dataSync()[255]).toBeGreaterThan(0.99); // mass piles into the top edge bin
    tf.dispose([params, x, p, far, pf]);
  });

  it('samples follow logProb (chi-square test), RGB 2-bit', () => {
    const bits = 2;
    const channels = 3;
    const components = 3;
    const n = 4 ** channels;
    const params = rng(21).normalTensor([1, logisticMixtureParamCount(channels, components)], { std: 1.5 });
    const draws = 20_000;
    const samples = logisticMixtureSample(tf.tile(params, [draws, 1]), { bits, channels, components, rng: rng(22) });
    const s = samples.dataSync();
    const observed = new Array(n).fill(0);
    for (let i = 0; i < draws; i++) observed[s[i * 3] + 4 * s[i * 3 + 1] + 16 * s[i * 3 + 2]]++;
    const all = tf.tensor2d(
      Array.from({ length: n }, (_, i) => [i % 4, Math.floor(i / 4) % 4, Math.floor(i / 16)]),
      [n, 3],
      'int32',
    );
    const probs = tf
      .exp(logisticMixtureLogProb(tf.tile(params, [n, 1]), all, { bits, channels, components }))
      .dataSync();
    let chi2 = 0;
    let dof = -1;
    let pooled = 0;
    let pooledObs = 0;
    for (let i = 0; i < n; i++) {
      const expected = probs[i] * draws;
      if (expected < 5) {
        pooled += expected;
        pooledObs += observed[i];
        continue;
      }
      chi2 += (observed[i] - expected) ** 2 / expected;
      dof++;
    }
    if (pooled > 0) {
      chi2 += (pooledObs - pooled) ** 2 / pooled;
      dof++;
    }
    // 99.9th percentile of chi-square is below dof + 4.5 sqrt(2 dof) + 10 for these dof.
    expect(chi2).toBeLessThan(dof + 4.5 * Math.sqrt(2 * dof) + 10);
    tf.dispose([params, samples, all]);
  });

  it('is differentiable in its parameters and validates its inputs', () => {
    const before = tf.memory().numTensors;
    const params = rng(8).normalTensor([2, 2, logisticMixtureParamCount(3, 2)]);
    const x = tf.tensor3d(
      [
        [
          [0, 255, 128],
          [3, 4, 5],
        ],
        [
          [9, 9, 9],
          [200, 100, 0],
        ],
      ],
      [2, 2, 3],
      'int32',
    );
    const g = tf.grad((p: tf.Tensor) => tf.sum(logisticMixtureLogProb(p, x, { bits: 8, channels: 3, components: 2 })))(
      params,
    );
    expect(g.shape).toEqual(params.shape);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(() => logisticMixtureLogProb(params, x, { bits: 8, channels: 3, components: 3 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => logisticMixtureLogProb(params, x, { bits: 0, channels: 3, components: 2 })).toThrow(/bits/);
    tf.dispose([params, x, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('temperature near zero samples the mode of a single sharp component', () => {
    const params = tf.tensor2d([[0, 0.5, -1]]);
    const s = logisticMixtureSample(tf.tile(params, [100, 1]), {
      bits: 8,
      channels: 1,
      components: 1,
      rng: rng(3),
      temperature: 1e-4,
    });
    expect(new Set(s.dataSync()).size).toBe(1);
    expect(s.dataSync()[0]).toBe(Math.round((0.5 + 1) * 127.5));
    tf.dispose([params, s]);
  });

  it('with a spacing, values sit at -1 + k * spacing and a top value below 1 keeps a closed bin', () => {
    // VD-VAE's 5-bit FFHQ-256 targets: 5-bit values at their 8-bit positions (spacing 16/255), half-width 1/31.
    const spacing = 16 / 255;
    const [mean, logScale] = [0.3, -1.5];
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const cdf = (v: number) => sigmoid((v - mean) / Math.exp(logScale));
    const expected = (k: number) => {
      const t = -1 + k * spacing;
      return k === 0 ? cdf(t + 1 / 31) : cdf(t + 1 / 31) - cdf(t - 1 / 31);
    };
    const params = tf.tile(tf.tensor2d([[0, mean, logScale]]), [32, 1]);
    const x = tf.tensor2d(
      Array.from({ length: 32 }, (_, k) => [k]),
      [32, 1],
      'int32',
    );
    const p = tf.exp(logisticMixtureLogProb(params, x, { bits: 5, channels: 1, components: 1, spacing })).dataSync();
    // k = 31 (at 0.945) has a closed bin: the mass above it is lost, as in the official loss.
    for (const k of [0, 1, 15, 30, 31]) expect(Math.abs(p[k] - expected(k)) / expected(k)).toBeLessThan(1e-4);
    // Draws land on the same grid: a sharp component at 1 rounds to the top value, one at -0.5 to k = 8.
    const sharp = tf.tensor2d([
      [0, 1, -7],
      [0, -0.5, -7],
    ]);
    const s = logisticMixtureSample(sharp, { bits: 5, channels: 1, components: 1, spacing, rng: rng(4) }).dataSync();
    expect(Array.from(s)).toEqual([31, 8]);
    expect(() => logisticMixtureLogProb(params, x, { bits: 5, channels: 1, components: 1, spacing: 0.1 })).toThrow(
      /spacing must be > 0 and keep the 32 values within \[-1, 1\]/,
    );
    tf.dispose([params, x, sharp]);
  });
});

import { rng, tf } from '@scalespace/core';
import { dwt2, idwt2, wavedec2 } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { haarDecompose, haarReconstruct, haarStep, inverseHaarStep } from './haar.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('normalised Haar step', () => {
  it('matches hand-computed coefficients of one block', () => {
    const x = tf.tensor4d([1, 2, 3, 5], [1, 2, 2, 1]); // [[a, b], [c, d]] = [[1, 2], [3, 5]]
    const { low, details } = haarStep(x);
    expect(Array.from(low.dataSync())).toEqual([11 / 4]);
    // h = (a + b - c - d) / 4, v = (a - b + c - d) / 4, d = (a - b - c + d) / 4
    expect(Array.from(details.dataSync())).toEqual([-5 / 4, -3 / 4, 1 / 4]);
    tf.dispose([x, low, details]);
  });

  it('reconstructs exactly, grey and RGB, several levels', () => {
    const before = tf.memory().numTensors;
    for (const c of [1, 3]) {
      const x = rng(c).uniformTensor([2, 16, 24, c]) as tf.Tensor4D;
      const { low, details } = haarDecompose(x, 3);
      expect(low.shape).toEqual([2, 2, 3, c]);
      expect(details.map((d) => d.shape)).toEqual([
        [2, 8, 12, 3 * c],
        [2, 4, 6, 3 * c],
        [2, 2, 3, 3 * c],
      ]);
      // Every low-pass band is a block average, in image range.
      const avg = tf.avgPool(x, 8, 8, 'valid');
      expect(maxAbs(low, avg)).toBeLessThan(1e-6);
      const back = haarReconstruct(low, details);
      expect(maxAbs(back, x)).toBeLessThan(1e-6);
      tf.dispose([x, low, ...details, avg, back]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the orthonormal transform divided by 2^(j+1): white noise sigma gives sigma / 2^(j+1) in every band', () => {
    const x = rng(9).normalTensor([8, 128, 128, 1]) as tf.Tensor4D;
    const { low, details } = haarDecompose(x, 2);
    const std = (t: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]));
    expect(std(details[0])).toBeCloseTo(1 / 2, 2);
    expect(std(details[1])).toBeCloseTo(1 / 4, 2);
    expect(std(low)).toBeCloseTo(1 / 4, 2);
    // Scaled back by 2^(j+1), the bands keep the energy of the image (Parseval).
    const energy = tf.tidy(
      () =>
        tf.sum(tf.square(tf.mul(details[0], 2))).dataSync()[0] +
        tf.sum(tf.square(tf.mul(details[1], 4))).dataSync()[0] +
        tf.sum(tf.square(tf.mul(low, 4))).dataSync()[0],
    );
    const total = tf.tidy(() => tf.sum(tf.square(x)).dataSync()[0]);
    expect(energy / total).toBeCloseTo(1, 5);
    tf.dispose([x, low, ...details]);
  });

  it('equals @scalespace/pyramids dwt2 / idwt2 (haar) divided by 2 per level, band order included', () => {
    const x = rng(4).uniformTensor([2, 8, 12, 3]) as tf.Tensor4D;
    // pyramids caches its transform matrices (kept tensors) on first use: warm it up before counting.
    const warm = wavedec2(x, { wavelet: 'haar', levels: 2 });
    tf.dispose([warm.lowpass, ...warm.details, idwt2(dwt2(x, { wavelet: 'haar' }), { wavelet: 'haar' })]);
    const before = tf.memory().numTensors;
    const ours = haarStep(x);
    const theirs = dwt2(x, { wavelet: 'haar' });
    const [n, h, w, c] = ours.low.shape;
    expect(tf.tidy(() => maxAbs(ours.low, tf.div(theirs.lowpass, 2)))).toBeLessThan(1e-6);
    const flat = tf.tidy(() => tf.reshape(tf.div(theirs.details, 2), [n, h, w, 3 * c]));
    expect(maxAbs(ours.details, flat)).toBeLessThan(1e-6);
    const back = idwt2(theirs, { wavelet: 'haar' });
    const mine = inverseHaarStep(ours.low, ours.details);
    expect(maxAbs(mine, back)).toBeLessThan(1e-5);
    // Two levels against wavedec2's 'average' normalisation (level l divided by 2^l).
    const dec = wavedec2(x, { wavelet: 'haar', levels: 2, normalization: 'average' });
    const two = haarDecompose(x, 2);
    expect(maxAbs(two.low, dec.lowpass)).toBeLessThan(1e-6);
    for (const [j, d] of two.details.entries()) {
      const reference = dec.details[dec.details.length - 1 - j];
      const shaped = tf.reshape(reference, d.shape);
      expect(maxAbs(d, shaped)).toBeLessThan(1e-6);
      shaped.dispose();
    }
    tf.dispose([ours.low, ours.details, theirs.lowpass, theirs.details, flat, back, mine, two.low, ...two.details]);
    tf.dispose([dec.lowpass, ...dec.details]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('explains what is wrong with odd sizes and mismatched bands', () => {
    const x = tf.zeros([1, 6, 6, 1]) as tf.Tensor4D;
    expect(() => haarDecompose(x, 2)).toThrow(/divisible by 4.*crop or pad/);
    expect(() => inverseHaarStep(x, tf.zeros([1, 6, 6, 2]) as tf.Tensor4D)).toThrow(/details must be \[1, 6, 6, 3\]/);
    x.dispose();
  });
});

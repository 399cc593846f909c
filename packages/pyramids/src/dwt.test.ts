import { readFileSync } from 'node:fs';
import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeWavelet, dwt2, idwt2, wavedec2, waverec2 } from './dwt.js';
import { WAVELETS, type WaveletName, waveletFilters } from './wavelet-filters.js';
import type { WaveletMode } from './wavelet-maps.js';

interface Case {
  wavelet: WaveletName;
  mode: WaveletMode;
  level: number;
  input: number[][][];
  channels: Array<{ lowpass: number[][]; details: number[][][][] }>;
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/wavelet-reference.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('orthogonal wavelet filters', () => {
  it.each(WAVELETS)('%s is orthonormal with the right vanishing moments', (name) => {
    const { decLo, decHi } = waveletFilters(name);
    const L = decLo.length;
    const dot = (a: number[], b: number[], shift: number) => a.reduce((s, v, k) => s + v * (b[k + shift] ?? 0), 0);
    for (let shift = 0; shift < L; shift += 2) {
      expect(dot(decLo, decLo, shift)).toBeCloseTo(shift === 0 ? 1 : 0, 10);
      expect(dot(decLo, decHi, shift)).toBeCloseTo(0, 10);
    }
    // Vanishing moments: L/2 moments of the high-pass filter are zero.
    for (let p = 0; p < L / 2; p++) expect(decHi.reduce((s, v, k) => s + v * k ** p, 0)).toBeCloseTo(0, 6);
  });
});

describe('dwt2 / wavedec2 against PyWavelets', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(
    reference.cases.map(
      (c) => [`${c.wavelet} ${c.mode} ${c.input.length}x${c.input[0].length} level ${c.level}`, c] as const,
    ),
  )('%s', (_name, c) => {
    const before = tf.memory().numTensors;
    const x = tf.tensor3d(c.input);
    const dec = wavedec2(x, { wavelet: c.wavelet, mode: c.mode, levels: c.level });
    expect(dec.details.length).toBe(c.level);
    for (let ch = 0; ch < 2; ch++) {
      const ref = c.channels[ch];
      const low = tf.tidy(() => tf.squeeze(tf.slice(dec.lowpass, [0, 0, ch], [-1, -1, 1]), [2]));
      expect(low.shape).toEqual([ref.lowpass.length, ref.lowpass[0].length]);
      expect(maxAbsDiff(low.dataSync(), ref.lowpass.flat())).toBeLessThan(1e-5);
      low.dispose();
      ref.details.forEach((bands, level) => {
        for (let b = 0; b < 3; b++) {
          const ours = tf.tidy(() =>
            tf.squeeze(tf.slice(dec.details[level], [0, 0, b, ch], [-1, -1, 1, 1]), [2, 3]).dataSync(),
          );
          expect(maxAbsDiff(ours, bands[b].flat())).toBeLessThan(1e-5);
        }
      });
    }
    const back = waverec2(dec);
    expect(back.shape).toEqual(x.shape);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0])).toBeLessThan(1e-5);
    disposeWavelet(dec);
    tf.dispose([x, back]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('wavelet properties', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('periodization preserves energy (orthogonality) and reconstructs batches', () => {
    const x = rng(1).normalTensor([2, 32, 16, 3]);
    for (const wavelet of WAVELETS) {
      const dec = wavedec2(x, { wavelet, levels: 2 });
      const energy = tf.tidy(() =>
        [dec.lowpass, ...dec.details].reduce((s, t) => s + tf.sum(tf.square(t)).dataSync()[0], 0),
      );
      const total = tf.tidy(() => tf.sum(tf.square(x)).dataSync()[0]);
      expect(Math.abs(energy - total) / total).toBeLessThan(1e-5);
      const back = waverec2(dec);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0])).toBeLessThan(1e-5);
      disposeWavelet(dec);
      back.dispose();
    }
    x.dispose();
  });

  it("'average' normalisation keeps low-pass bands in image range (Kadkhodaie et al.) and still inverts", () => {
    const x = tf.fill([16, 16, 1], 0.7);
    const dec = wavedec2(x, { levels: 3, normalization: 'average' });
    expect(Array.from(dec.lowpass.dataSync()).every((v) => Math.abs(v - 0.7) < 1e-6)).toBe(true);
    const back = waverec2(dec);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0])).toBeLessThan(1e-6);
    disposeWavelet(dec);
    tf.dispose([x, back]);
  });

  it("'average' coefficients of level l are the orthonormal ones divided by 2^l (scale j = l - 1: 2^(j+1))", () => {
    const before = tf.memory().numTensors;
    const x = rng(4).uniformTensor([24, 20, 2]);
    for (const wavelet of WAVELETS) {
      const ortho = wavedec2(x, { wavelet, levels: 3 });
      const avg = wavedec2(x, { wavelet, levels: 3, normalization: 'average' });
      // details[0] is the coarsest (level 3).
      ortho.details.forEach((d, i) => {
        const l = 3 - i;
        expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.div(d, 2 ** l), avg.details[i]))).dataSync()[0])).toBeLessThan(
          1e-6,
        );
      });
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.div(ortho.lowpass, 8), avg.lowpass))).dataSync()[0])).toBeLessThan(
        1e-6,
      );
      disposeWavelet(ortho);
      disposeWavelet(avg);
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradients flow through the transforms', () => {
    const x = rng(2).normalTensor([8, 8, 1]);
    const g = tf.grad((t: tf.Tensor) => {
      const { lowpass, details } = dwt2(t, { wavelet: 'db2', mode: 'symmetric' });
      return tf.add(tf.sum(tf.square(lowpass)), tf.sum(details));
    })(x);
    expect(g.shape).toEqual([8, 8, 1]);
    expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0])).toBeGreaterThan(0);
    // Orthogonal transform: d/dx of ||W x||^2 restricted to all bands is 2x.
    const full = tf.grad((t: tf.Tensor) => {
      const { lowpass, details } = dwt2(t, { wavelet: 'haar' });
      return tf.add(tf.sum(tf.square(lowpass)), tf.sum(tf.square(details)));
    })(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(full, tf.mul(x, 2)))).dataSync()[0])).toBeLessThan(1e-5);
    const inverse = idwt2(dwt2(x));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(inverse, x))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([x, g, full, inverse]);
  });

  it('validates its options', () => {
    const x = tf.zeros([4, 4, 1]);
    expect(() => dwt2(x, { wavelet: 'db9' as WaveletName })).toThrow(/unknown wavelet/);
    expect(() => wavedec2(x, { levels: 5 })).toThrow(/at most/);
    x.dispose();
  });
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { entropyBits, levelEntropy } from './entropy.js';
import { liftingPyramid, reconstructLifting } from './lifting.js';
import { photoInts } from './test-photos.js';

function randomInts(shape: number[], bits: number, seed: number): tf.Tensor {
  const r = rng(seed);
  return tf.tensor(
    Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.int(2 ** bits)),
    shape,
    'int32',
  );
}

/** A smooth integer image: entropy of its details should fall well below the raw entropy. */
function smoothImage(size: number): tf.Tensor {
  const v = new Int32Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) v[y * size + x] = Math.round(127 + 100 * Math.sin(x / 5) * Math.cos(y / 7));
  return tf.tensor(v, [size, size, 1], 'int32');
}

describe('5/3 lifting wavelet', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([1, 2, 4, 8])('round trip is bit-exact for %i bits', async (bits) => {
    for (const shape of [
      [16, 8, 3],
      [2, 8, 16, 1],
    ]) {
      const x = randomInts(shape, bits, bits);
      const p = await liftingPyramid(x, { bits, levels: 3 });
      const back = await reconstructLifting(p);
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, back, p.coarse, ...p.levels]);
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('round trip is bit-exact on real photos at %i bits, full depth', async (bits) => {
    const before = tf.memory().numTensors;
    for (const [name, channels] of [
      ['coffee', 3],
      ['gravel', 1],
    ] as const) {
      const x = await photoInts(name, bits, channels);
      const p = await liftingPyramid(x, { bits });
      expect(p.coarse.shape.slice(0, 2)).toEqual([1, 1]);
      const back = await reconstructLifting(p);
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, back, p.coarse, ...p.levels]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles odd sizes: bands of ceil(h/2) x ceil(w/2) with zeros past the shorter high-pass half', async () => {
    for (const shape of [
      [13, 7, 3],
      [2, 5, 9, 1],
      [1, 6, 2],
    ]) {
      const x = randomInts(shape, 8, shape[0]);
      const p = await liftingPyramid(x, { bits: 8 });
      const back = await reconstructLifting(p);
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
      const [h, w] = shape.slice(-3, -1);
      expect(p.levels[0].shape.slice(-4)).toEqual([Math.ceil(h / 2), Math.ceil(w / 2), 3, shape[shape.length - 1]]);
      tf.dispose([x, back, p.coarse, ...p.levels]);
    }
    // 3x3: HL holds one high-pass row, so its second row is padding.
    const x = randomInts([3, 3, 1], 8, 9);
    const p = await liftingPyramid(x, { bits: 8, levels: 1 });
    const bands = p.levels[0].arraySync() as number[][][][];
    expect(bands[1].map((px) => px[0][0])).toEqual([0, 0]); // HL row 1
    expect(bands.map((row) => row[1][1][0])).toEqual([0, 0]); // LH column 1
    tf.dispose([x, p.coarse, ...p.levels]);
  });

  it('matches the JPEG 2000 lifting steps on a short signal', async () => {
    // One level along H of a 1-pixel-wide column [10, 20, 40, 50, 30]:
    // high d[k] = x[2k+1] - floor((x[2k] + x[2k+2]) / 2): 20 - 25 = -5, 50 - 35 = 15
    // low s[k] = x[2k] + floor((d[k-1] + d[k] + 2) / 4), d[-1] = d[0], d[2] = d[1]: 10 - 2 = 8, 40 + 3 = 43, 30 + 8 = 38
    const x = tf.tensor3d([10, 20, 40, 50, 30], [5, 1, 1], 'int32');
    const p = await liftingPyramid(x, { bits: 8, levels: 1 });
    expect(Array.from(p.coarse.dataSync())).toEqual([8, 43, 38]);
    expect(Array.from(p.levels[0].dataSync())).toEqual([-5, 0, 0, 15, 0, 0, 0, 0, 0]);
    tf.dispose([x, p.coarse, ...p.levels]);
  });

  it('rejects float input, values out of range and too many levels', async () => {
    const f = tf.zeros([4, 4, 1]);
    await expect(liftingPyramid(f, { bits: 8 })).rejects.toThrow(/int32/);
    const big = tf.fill([4, 4, 1], 16, 'int32');
    await expect(liftingPyramid(big, { bits: 4 })).rejects.toThrow(/0\.\.15/);
    await expect(liftingPyramid(big, { bits: 8, levels: 3 })).rejects.toThrow(/1\.\.2/);
    tf.dispose([f, big]);
  });

  it('a constant image leaves zero details; band shapes halve', async () => {
    const x = tf.fill([8, 8, 1], 77, 'int32');
    const p = await liftingPyramid(x, { bits: 8, levels: 2 });
    expect(p.levels.map((l) => l.shape)).toEqual([
      [4, 4, 3, 1],
      [2, 2, 3, 1],
    ]);
    for (const l of p.levels) expect(Array.from(l.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(p.coarse.dataSync()).every((v) => v === 77)).toBe(true);
    tf.dispose([x, p.coarse, ...p.levels]);
  });

  it('levelEntropy: details of a smooth image have far lower entropy than its pixels', async () => {
    const x = smoothImage(32);
    for (const pyramid of ['paired', 'lifting'] as const) {
      const report = await levelEntropy(x, { pyramid, bits: 8, levels: 2 });
      expect(report.levels[0].name).toBe('fine_1');
      expect(report.levels[0].entropyBits).toBeLessThan(report.raw - 2);
    }
    expect(entropyBits([1, 1, 2, 2])).toBe(1);
    x.dispose();
  });
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposePaired, pairedLevelSizes, pairedPyramid, reconstructPaired } from './paired-pyramid.js';
import { squeeze, unsqueeze } from './squeeze.js';
import { photoInts } from './test-photos.js';

function randomInts(shape: number[], bits: number, seed: number): tf.Tensor {
  const r = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Int32Array.from({ length: size }, () => r.int(2 ** bits)),
    shape,
    'int32',
  );
}

describe('paired pyramid', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('follows the paper: 13 levels for 256x256, 17 for 1024x1024, alternating rows and columns', () => {
    const sizes = pairedLevelSizes(256, 256);
    expect(sizes.length + 1).toBe(13);
    expect(pairedLevelSizes(1024, 1024).length + 1).toBe(17);
    expect(sizes.slice(0, 3).map((s) => s.axis)).toEqual(['rows', 'columns', 'rows']);
    expect(sizes[sizes.length - 1]).toMatchObject({ height: 4, width: 4 });
  });

  it('matches the definition on a small example (rows first, shift n/2, modulo n)', () => {
    // 2 bits, n = 4, shift 2. Rows split first: p1 = rows 0, 2; p2 = rows 1, 3.
    const x = tf.tensor3d(
      [
        [[0], [3]],
        [[3], [0]],
        [[1], [1]],
        [[2], [3]],
      ],
      [4, 2, 1],
      'int32',
    );
    const p = pairedPyramid(x, { bits: 2, levels: 1 });
    expect(p.levels[0].axis).toBe('rows');
    expect(p.coarse.arraySync()).toEqual([
      [[3], [0]],
      [[2], [3]],
    ]);
    // (0-3+2) mod 4 = 3, (3-0+2) mod 4 = 1, (1-2+2) = 1, (1-3+2) = 0
    expect(p.levels[0].fine.arraySync()).toEqual([
      [[3], [1]],
      [[1], [0]],
    ]);
    disposePaired(p);
    x.dispose();
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('round trip is bit-exact for %i bits (grey, RGB, batch)', (bits) => {
    const before = tf.memory().numTensors;
    for (const shape of [
      [32, 32, 1],
      [16, 16, 3],
      [3, 8, 16, 3],
    ]) {
      const x = randomInts(shape, bits, bits * 10 + shape.length);
      const p = pairedPyramid(x, { bits, coarsest: 4 });
      const back = reconstructPaired(p);
      expect(back.dtype).toBe('int32');
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
      for (const level of p.levels) {
        const v = level.fine.dataSync();
        expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...v)).toBeLessThan(2 ** bits);
      }
      disposePaired(p);
      tf.dispose([x, back]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'round trip is bit-exact on real photos at %i bits (RGB and grey)',
    async (bits) => {
      const before = tf.memory().numTensors;
      for (const [name, channels] of [
        ['chelsea', 3],
        ['camera', 1],
      ] as const) {
        const x = await photoInts(name, bits, channels);
        const p = pairedPyramid(x, { bits });
        expect(p.coarse.shape.slice(0, 2).every((s) => s <= 4)).toBe(true);
        const back = reconstructPaired(p);
        expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
        disposePaired(p);
        tf.dispose([x, back]);
      }
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('rejects values out of range, float input and unsplittable sizes', () => {
    const big = tf.tensor3d([[[8]]], [1, 1, 1], 'int32');
    expect(() => pairedPyramid(big, { bits: 3, levels: 0 })).toThrow(/0\.\.7/);
    const float = tf.zeros([4, 4, 1]);
    expect(() => pairedPyramid(float, { bits: 3 })).toThrow(/int32/);
    const odd = tf.zeros([6, 6, 1], 'int32');
    expect(() => pairedPyramid(odd, { bits: 3, coarsest: 1 })).toThrow(/odd/);
    tf.dispose([big, float, odd]);
  });
});

describe('squeeze', () => {
  it('puts sub-image (i, j) of each f x f block at index i f + j, and unsqueeze inverts it', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor3d(
      Array.from({ length: 16 }, (_, i) => i),
      [4, 4, 1],
    );
    const s = squeeze(x, 1); // [2, 2, 4, 1]
    expect(s.shape).toEqual([2, 2, 4, 1]);
    const v = s.arraySync() as number[][][][];
    // block (0, 0) holds x[0][0]=0, x[0][1]=1, x[1][0]=4, x[1][1]=5
    expect(v[0][0].map((c) => c[0])).toEqual([0, 1, 4, 5]);
    expect(v[1][1].map((c) => c[0])).toEqual([10, 11, 14, 15]);
    const back = unsqueeze(s, 1);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
    const r = randomInts([2, 8, 8, 3], 8, 3);
    const sq = squeeze(r, 2);
    expect(sq.shape).toEqual([2, 2, 2, 16, 3]);
    const rt = unsqueeze(sq, 2);
    expect(Array.from(rt.dataSync())).toEqual(Array.from(r.dataSync()));
    const odd = tf.zeros([6, 4, 1]);
    expect(() => squeeze(odd, 2)).toThrow(/not divisible/);
    tf.dispose([x, s, back, r, sq, rt, odd]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

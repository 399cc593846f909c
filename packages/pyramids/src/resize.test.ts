import { readFileSync } from 'node:fs';
import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { degrade } from './degrade.js';
import { RESIZE_METHODS, type ResizeMethod, resize } from './resize.js';

const reference = JSON.parse(readFileSync(new URL('../fixtures/resize-reference.json', import.meta.url), 'utf8')) as {
  cases: Array<{
    method: ResizeMethod;
    scale: number | null;
    size: [number, number] | null;
    input: number[][][];
    output: number[][][];
  }>;
};

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('resize (MATLAB imresize conventions)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(
    reference.cases.map(
      (c) =>
        [
          `${c.method} ${c.input.length}x${c.input[0].length} ${c.scale ? `scale ${c.scale.toFixed(3)}` : `to ${c.size}`}`,
          c,
        ] as const,
    ),
  )('%s matches the NumPy transcription of imresize', (_n, c) => {
    const x = tf.tensor3d(c.input);
    const y = c.size
      ? resize(x, { height: c.size[0], width: c.size[1], method: c.method })
      : resize(x, { scale: c.scale ?? 1, method: c.method });
    const ref = tf.tensor3d(c.output);
    expect(y.shape).toEqual(ref.shape);
    expect(maxDiff(y, ref)).toBeLessThan(1e-5);
    tf.dispose([x, y, ref]);
  });

  it.each(RESIZE_METHODS)('%s keeps a constant image constant, up and down', (method) => {
    const x = tf.fill([13, 10, 3], 0.37);
    for (const scale of [0.25, 0.5, 1 / 3, 1.5, 2, 4]) {
      const y = resize(x, { scale, method });
      expect(y.shape).toEqual([Math.ceil(13 * scale - 1e-9), Math.ceil(10 * scale - 1e-9), 3]);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, 0.37))).dataSync()[0])).toBeLessThan(1e-6);
      y.dispose();
    }
    x.dispose();
  });

  it('an integer downscale with the box kernel is block averaging', () => {
    const x = rng(3).uniformTensor([2, 12, 8, 3]) as tf.Tensor4D;
    const y = resize(x, { scale: 1 / 4, method: 'box' });
    const blocks = tf.avgPool(x, 4, 4, 'valid');
    expect(y.shape).toEqual([2, 3, 2, 3]);
    expect(maxDiff(y, blocks)).toBeLessThan(1e-6);
    tf.dispose([x, y, blocks]);
  });

  it('is differentiable and rejects bad options', () => {
    const x = rng(4).uniformTensor([6, 6, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(resize(t, { scale: 0.5 })))(x);
    // Rows of the resampling matrix sum to one, so the gradient of the sum is positive mass conserving: sum(g) = outputs.
    expect(tf.tidy(() => tf.sum(g).dataSync()[0])).toBeCloseTo(9, 4);
    expect(() => resize(x, { scale: 0 })).toThrow(/positive/);
    expect(() => resize(x, {})).toThrow(/scale/);
    expect(() => resize(x, { scale: 2, method: 'spline' as ResizeMethod })).toThrow(/unknown method/);
    tf.dispose([x, g]);
  });
});

describe('degrade', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('bicubic degradation equals an antialiased bicubic resize by 1/s; noise is seeded', () => {
    const x = rng(5).uniformTensor([16, 16, 3]);
    const y = degrade(x, { scale: 4 });
    const r = resize(x, { scale: 0.25, method: 'bicubic' });
    expect(y.shape).toEqual([4, 4, 3]);
    expect(maxDiff(y, r)).toBe(0);
    const n1 = degrade(x, { scale: 2, noise: 0.1, seed: 9 });
    const n2 = degrade(x, { scale: 2, noise: 0.1, seed: 9 });
    expect(maxDiff(n1, n2)).toBe(0);
    const clean = degrade(x, { scale: 2 });
    const std = tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.sub(n1, clean))).dataSync()[0]));
    expect(std).toBeGreaterThan(0.08);
    expect(std).toBeLessThan(0.12);
    tf.dispose([x, y, r, n1, n2, clean]);
  });

  it('gaussian blur + subsampling keeps constants and picks every s-th pixel', () => {
    const c = tf.fill([9, 9, 1], 0.5);
    const y = degrade(c, { scale: 3, kernel: { gaussian: 1 } });
    expect(y.shape).toEqual([3, 3, 1]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y, 0.5))).dataSync()[0])).toBeLessThan(1e-6);
    const x = rng(6).uniformTensor([9, 9, 1]);
    const sharp = degrade(x, { scale: 3, kernel: { gaussian: 0.05 } });
    const picked = tf.stridedSlice(x, [0, 0, 0], [9, 9, 1], [3, 3, 1]);
    expect(maxDiff(sharp, picked)).toBeLessThan(1e-6);
    expect(() => degrade(x, { scale: 1.5 })).toThrow(/integer/);
    tf.dispose([c, y, x, sharp, picked]);
  });
});

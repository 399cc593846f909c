import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanSample } from './cleanup.js';
import { averagePathLength, IsolationForest } from './isolation-forest.js';

describe('Isolation Forest', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('scores planted outliers far above a Gaussian cloud', async () => {
    const r = rng(1);
    const inliers = Array.from({ length: 500 }, () => [r.normal(), r.normal(), r.normal()]);
    const outliers = [
      [8, 8, 8],
      [-7, 6, 0],
      [0, 0, 9],
    ];
    const forest = new IsolationForest([...inliers, ...outliers], { seed: 2 });
    const s = forest.score([...inliers, ...outliers]);
    const inlierMax = Array.from(s.slice(0, 500)).sort((a, b) => a - b)[489]; // 98th percentile
    for (const o of s.slice(500)) expect(o).toBeGreaterThan(inlierMax);
    expect(averagePathLength(256)).toBeCloseTo(10.24, 1);
  });

  it('cleanSample replaces wrapped pixels in a smooth image and leaves the rest', async () => {
    const size = 32;
    const values = new Float32Array(size * size * 3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        values[(y * size + x) * 3] = 0.2 + 0.3 * (x / size);
        values[(y * size + x) * 3 + 1] = 0.5;
        values[(y * size + x) * 3 + 2] = 0.3 + 0.2 * (y / size);
      }
    const planted = [
      [5, 7],
      [20, 22],
      [12, 28],
      [28, 3],
    ];
    for (const [y, x] of planted) {
      values[(y * size + x) * 3] = 1;
      values[(y * size + x) * 3 + 1] = 0;
      values[(y * size + x) * 3 + 2] = 1; // magenta: a wrapped value
    }
    const image = tf.tensor3d(values, [size, size, 3]);
    const { image: cleaned, mask, outliers } = await cleanSample(image, { contamination: 0.01, seed: 3 });
    const m = mask.arraySync() as number[][];
    for (const [y, x] of planted) expect(m[y][x]).toBe(1);
    expect(outliers).toBeLessThanOrEqual(Math.ceil(0.01 * size * size) + 2);
    const c = cleaned.arraySync() as number[][][];
    for (const [y, x] of planted) expect(c[y][x][1]).toBeCloseTo(0.5, 5);
    tf.dispose([image, cleaned, mask]);
  });
});

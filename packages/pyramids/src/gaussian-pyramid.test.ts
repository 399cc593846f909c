import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianPyramid, laplacianPyramid, reconstructLaplacian } from './gaussian-pyramid.js';

describe('Gaussian and Laplacian pyramids', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([[[33, 20, 3]], [[2, 16, 16, 1]], [[7, 5, 1]]])(
    'sizes halve with ceil and the Laplacian reconstructs exactly for %j',
    (shape) => {
      const before = tf.memory().numTensors;
      const x = rng(1).uniformTensor(shape);
      const g = gaussianPyramid(x, { levels: 3 });
      const h = shape[shape.length - 3];
      const w = shape[shape.length - 2];
      expect(g.map((l) => l.shape.slice(-3, -1))).toEqual([
        [h, w],
        [Math.ceil(h / 2), Math.ceil(w / 2)],
        [Math.ceil(h / 4), Math.ceil(w / 4)],
      ]);
      tf.dispose(g);
      const lap = laplacianPyramid(x, { levels: 3 });
      const back = reconstructLaplacian(lap);
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, x))).dataSync()[0])).toBeLessThan(1e-5);
      tf.dispose([x, back, lap.residual, ...lap.bands]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('a constant image has zero band-pass levels and a constant residual', () => {
    const x = tf.fill([16, 12, 1], 0.3);
    const lap = laplacianPyramid(x, { levels: 3 });
    for (const b of lap.bands) expect(tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0])).toBeLessThan(1e-6);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(lap.residual, 0.3))).dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([x, lap.residual, ...lap.bands]);
  });

  it('gradients flow and options are validated', () => {
    const x = rng(2).uniformTensor([8, 8, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(laplacianPyramid(t, { levels: 2 }).residual))(x);
    expect(tf.tidy(() => tf.sum(g).dataSync()[0])).toBeCloseTo(16, 3); // residual 4x4 of averages: total mass 16
    expect(() => gaussianPyramid(x, { kernel: [0.5, 0.5] })).toThrow(/odd length/);
    expect(() => gaussianPyramid(x, { levels: 9 })).toThrow(/levels/);
    tf.dispose([x, g]);
  });
});

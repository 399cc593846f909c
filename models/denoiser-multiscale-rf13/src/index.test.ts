import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from './index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const psnr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => -10 * Math.log10(tf.mean(tf.square(tf.sub(tf.clipByValue(a, 0, 1), b))).dataSync()[0]));

/** A piecewise-smooth test image made here (no photo needed): soft discs on a gradient. */
function discs(size: number): tf.Tensor3D {
  const r = rng(5);
  const values = new Float32Array(size * size);
  const shapes = Array.from({ length: 6 }, () => [
    r.uniform() * size,
    r.uniform() * size,
    4 + r.uniform() * 12,
    r.uniform() - 0.5,
  ]);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let v = 0.3 + (0.4 * x) / size;
      for (const [cy, cx, rad, a] of shapes) v += a / (1 + Math.exp(Math.hypot(y - cy, x - cx) - rad));
      values[y * size + x] = Math.min(1, Math.max(0, v));
    }
  return tf.tensor3d(values, [size, size, 1]);
}

describe('@scalespace/model-denoiser-multiscale-rf13', () => {
  it('loads the trained model, denoises blind, and super-resolves keeping the low-pass band', async () => {
    const before = tf.memory().numTensors;
    const model = await load();
    expect(model.config).toMatchObject({ kind: 'multiscale', channels: 1, levels: 2, conditional: { rf: 13 } });
    const clean = discs(96);
    const noisy = tf.tidy(() => tf.add(clean, rng(2).normalTensor(clean.shape, { std: 25 / 255 })));
    const { image, evaluations } = await model.denoise(noisy);
    expect(evaluations).toBe(3);
    expect(await psnr(image, clean)).toBeGreaterThan((await psnr(noisy, clean)) + 8);
    const low = tf.tidy(() => tf.squeeze(tf.avgPool(tf.expandDims(clean, 0) as tf.Tensor4D, 4, 4, 'valid'), [0]));
    const sr = await model.superResolve(low, { factor: 4, seed: 1, h0: 0.05, beta: 0.3, sigmaL: 0.02 });
    const back = tf.tidy(() => tf.avgPool(sr.images, 4, 4, 'valid'));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, tf.expandDims(low, 0)))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([clean, noisy, image, low, sr.images, back]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

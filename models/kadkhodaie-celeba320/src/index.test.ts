import { fileURLToPath } from 'node:url';
import { readImage, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, testImage } from './index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const psnr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => -10 * Math.log10(tf.mean(tf.square(tf.sub(tf.clipByValue(a, 0, 1), b))).dataSync()[0]));

describe('@scalespace/model-kadkhodaie-celeba320', () => {
  it('loads the 3-level set, denoises a face and super-resolves x8 keeping the low-pass band', async () => {
    const before = tf.memory().numTensors;
    const model = await load();
    expect(model.config).toMatchObject({ kind: 'multiscale', levels: 3, conditional: { rf: 13, width: 64 } });
    const face = await readImage(fileURLToPath(testImage as URL), { channels: 1 });
    const noisy = tf.tidy(() => tf.add(face, rng(5).normalTensor(face.shape, { std: 50 / 255 })));
    const { image, evaluations } = await model.denoise(noisy);
    expect(evaluations).toBe(4);
    expect(psnr(image, face)).toBeGreaterThan(psnr(noisy, face) + 10);
    // Algorithm 2 from the 8x8 block means of a 64x64 patch (eyes): three scales of details.
    const patch = tf.tidy(() => tf.expandDims(tf.slice(face, [80, 104, 0], [64, 64, 1]), 0)) as tf.Tensor4D;
    const low = tf.avgPool(patch, 8, 8, 'valid') as tf.Tensor4D;
    const sr = await model.superResolve(low, { factor: 8, seed: 1, sigmaL: 0.05, beta: 1 });
    expect(sr.steps).toHaveLength(3);
    const again = tf.avgPool(sr.images, 8, 8, 'valid');
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(again, low))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([face, noisy, image, patch, low, sr.images, again]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { allImages, totalProbability } from './exactness.js';
import { PixelCNN } from './pixelcnn.js';

describe('PixelCNN++', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('is a normalised distribution: all 256 images of 2x2 grey at 2 bits sum to 1, before and after training', async () => {
    const before = tf.memory().numTensors;
    const model = new PixelCNN({ channels: 1, bits: 2, filters: 8, resnets: 2, components: 3 }, rng(1));
    const images = allImages(2, 2, 1, 2);
    expect(images.shape[0]).toBe(256);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    // A few steps of maximum likelihood on a skewed subset keep it normalised (and raise their probability).
    const data = tf.tidy(() => tf.slice(images, [0, 0, 0, 0], [8, 2, 2, 1]));
    const opt = tf.train.adam(0.05);
    const lossBefore = tf.tidy(() => -tf.mean(model.logProb(data)).dataSync()[0]);
    for (let i = 0; i < 10; i++) opt.minimize(() => tf.neg(tf.mean(model.logProb(data))) as tf.Scalar);
    const lossAfter = tf.tidy(() => -tf.mean(model.logProb(data)).dataSync()[0]);
    expect(lossAfter).toBeLessThan(lossBefore);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    opt.dispose();
    model.dispose();
    tf.dispose([images, data]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with the U-Net (both down-pass variants) is normalised, before and after training steps', async () => {
    const before = tf.memory().numTensors;
    const images = allImages(2, 2, 1, 2);
    const data = tf.tidy(() => tf.slice(images, [0, 0, 0, 0], [8, 2, 2, 1]));
    for (const downUlInput of ['ul', 'u'] as const) {
      const config = { channels: 1, bits: 2, filters: 8, resnets: 1, components: 3 };
      const model = new PixelCNN({ ...config, unet: { resolutions: 2, downUlInput } }, rng(4));
      expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
      // Training runs through the transposed convs' gradients; the model stays normalised.
      const opt = tf.train.adam(0.05);
      const lossBefore = tf.tidy(() => -tf.mean(model.logProb(data)).dataSync()[0]);
      for (let i = 0; i < 5; i++) opt.minimize(() => tf.neg(tf.mean(model.logProb(data))) as tf.Scalar);
      expect(tf.tidy(() => -tf.mean(model.logProb(data)).dataSync()[0])).toBeLessThan(lossBefore);
      expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
      opt.dispose();
      model.dispose();
    }
    tf.dispose([images, data]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is normalised for RGB with channel coupling (1x2 RGB at 1 bit: 64 images)', async () => {
    const model = new PixelCNN({ channels: 3, bits: 1, filters: 8, resnets: 1, components: 2 }, rng(2));
    const images = allImages(1, 2, 3, 1);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    model.dispose();
    images.dispose();
  });

  it('the output at a pixel never depends on that pixel or later ones (causality)', () => {
    const model = new PixelCNN({ channels: 1, bits: 8, filters: 8, resnets: 3, components: 2 }, rng(3));
    const x = tf.tidy(() => tf.cast(tf.mul(rng(4).uniformTensor([1, 6, 6, 1]), 255), 'int32'));
    const base = model.params(x).arraySync() as number[][][][];
    // Change pixel (3, 2): params at (3, 2) and earlier in raster order must not move; later ones may.
    const changed = tf.tidy(() => {
      const v = x.arraySync() as number[][][][];
      v[0][3][2][0] = (v[0][3][2][0] + 100) % 256;
      return model.params(tf.tensor4d(v, [1, 6, 6, 1], 'int32')).arraySync() as number[][][][];
    });
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 6; c++) {
        const moved = Math.max(...base[0][r][c].map((v, i) => Math.abs(v - changed[0][r][c][i])));
        if (r < 3 || (r === 3 && c <= 2)) expect(moved).toBe(0);
      }
    }
    expect(Math.max(...base[0][3][3].map((v, i) => Math.abs(v - changed[0][3][3][i])))).toBeGreaterThan(0);
    x.dispose();
    model.dispose();
  });

  it('samples pixel by pixel with H*W evaluations, reproducibly by seed', async () => {
    const model = new PixelCNN({ channels: 1, bits: 3, filters: 8, resnets: 1, components: 2 }, rng(5));
    const a = await model.sample({ n: 2, height: 3, width: 4, seed: 7 });
    const b = await model.sample({ n: 2, height: 3, width: 4, seed: 7 });
    expect(a.networkEvaluations).toBe(12);
    expect(a.images.shape).toEqual([2, 3, 4, 1]);
    expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
    expect(Math.max(...a.images.dataSync())).toBeLessThan(8);
    tf.dispose([a.images, b.images]);
    model.dispose();
  });
});

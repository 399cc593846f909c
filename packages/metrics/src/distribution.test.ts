import { readImage, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { earlyFeatureExtractor, type FeatureExtractor } from './features.js';
import { fid, kid } from './fid.js';
import { featureStatistics, frechetDistance } from './frechet.js';
import { sifid, sifidPerImage } from './sifid.js';

const photo = (name: string) => readImage(new URL(`../../data/assets/photos/${name}.png`, import.meta.url).pathname);

/** A tiny pluggable extractor: per-channel mean and standard deviation. */
const momentExtractor: FeatureExtractor = {
  name: 'moments',
  dims: 6,
  extract: (images) =>
    tf.tidy(() => {
      const { mean, variance } = tf.moments(images, [1, 2]);
      return tf.concat([mean, tf.sqrt(variance)], 1) as tf.Tensor2D;
    }),
};

describe('FID, KID and SIFID on images', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('a pluggable extractor: fid equals the Frechet distance of its features', async () => {
    const r = rng(1);
    const a = r.uniformTensor([6, 16, 16, 3]) as tf.Tensor4D;
    const b = tf.tidy(() => tf.clipByValue(tf.add(r.uniformTensor([5, 16, 16, 3]), 0.2), 0, 1)) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const value = await fid(a, b, { extractor: momentExtractor, batchSize: 4 });
    const fa = tf.tidy(() => momentExtractor.extract(a));
    const fb = tf.tidy(() => momentExtractor.extract(b));
    const expected = frechetDistance(featureStatistics(fa.dataSync(), 6), featureStatistics(fb.dataSync(), 6));
    tf.dispose([fa, fb]);
    expect(value).toBeCloseTo(expected, 10);
    expect(value).toBeGreaterThan(0);
    expect(await fid(a, a, { extractor: momentExtractor })).toBeLessThan(1e-12);
    const k = await kid(a, b, { extractor: momentExtractor, subsets: 10, subsetSize: 4 });
    expect(Number.isFinite(k.kid) && k.std > 0).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    await expect(fid([a.slice(0, 1).squeeze([0]) as tf.Tensor3D], b, { extractor: momentExtractor })).rejects.toThrow(
      /at least 2 images/,
    );
    tf.dispose([a, b]);
  });

  it('SIFID (InceptionV3 after the first max-pool): 0 against itself, grows with the distortion, per-image mean', async () => {
    const real = await photo('chelsea');
    const r = rng(2);
    const noisy = (s: number) =>
      tf.tidy(() => tf.clipByValue(tf.add(real, r.normalTensor(real.shape, { std: s })), 0, 1));
    const light = noisy(0.03);
    const heavy = noisy(0.2);
    await earlyFeatureExtractor(); // load (and cache) outside the memory check
    const before = tf.memory().numTensors;
    expect(await sifid(real, real)).toBeLessThan(1e-9);
    const [a, b] = await sifidPerImage(real, [light, heavy]);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(await sifid(real, [light, heavy])).toBeCloseTo((a + b) / 2, 10);
    // Grey input goes through as RGB; tiny images and wrong ranges fail clearly.
    const grey = tf.mean(real, 2, true);
    expect(await sifid(grey, grey)).toBeLessThan(1e-9);
    const bytes = tf.mul(real, 255);
    await expect(sifid(real, bytes)).rejects.toThrow(/\[0, 1\]/);
    tf.dispose([grey, bytes]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([real, light, heavy]);
  }, 300_000);

  it('FID on the InceptionV3 trunk: 0 for the same set, larger for blurred photos than for the originals jittered', async () => {
    const names = ['astronaut', 'chelsea', 'coffee'];
    const photos = await Promise.all(names.map(photo));
    const blurred = photos.map((p) =>
      tf.tidy(() => {
        const [h, w] = p.shape;
        return tf.image.resizeBilinear(tf.image.resizeBilinear(p, [h / 8, w / 8]), [h, w]) as tf.Tensor3D;
      }),
    );
    const shifted = photos.map((p) => tf.tidy(() => tf.clipByValue(tf.add(p, 0.02), 0, 1)) as tf.Tensor3D);
    expect(await fid(photos, photos, { batchSize: 3 })).toBeLessThan(1e-6);
    const near = await fid(photos, shifted);
    const far = await fid(photos, blurred);
    expect(near).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(near);
    tf.dispose([...photos, ...blurred, ...shifted]);
  }, 300_000);
});

import { readFileSync } from 'node:fs';
import { readImage, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { brisque, brisqueFeatures, loadBrisqueModel } from './brisque.js';
import { aggdFit } from './brisque-features.js';
import { gammaFunction, logGamma } from './brisque-gamma.js';
import { predictBrisque } from './brisque-model.js';

// Reference: OpenCV 4.6.0's own cv::quality::QualityBRISQUE (Debian python3-opencv) on real photos, written by
// fixtures/make-brisque-reference.py.
interface Case {
  name: string;
  image: string;
  crop: [number, number, number, number] | null;
  shape: [number, number, number];
  score: number;
  rawScore: number;
  features: number[];
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/brisque-reference.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};
// feature order per scale: MSCN shape, variance, then (shape, mean, left var, right var) for H, V, D1, D2
const isShape = (i: number) => i % 18 === 0 || (i % 18 >= 2 && (i % 18) % 4 === 2);
const repoFile = (path: string) => new URL(`../../../${path}`, import.meta.url).pathname;

async function load(c: Case): Promise<tf.Tensor3D> {
  const image = await readImage(repoFile(c.image));
  if (!c.crop) return image;
  const [top, left, height, width] = c.crop;
  const cropped = tf.slice(image, [top, left, 0], [height, width, -1]) as tf.Tensor3D;
  image.dispose();
  return cropped;
}

describe('brisque: OpenCV QualityBRISQUE with the LIVE model', () => {
  const images = new Map<string, tf.Tensor3D>();

  beforeAll(async () => {
    await tf.setBackend('wasm');
    for (const c of reference.cases) images.set(c.name, await load(c));
  });

  it('the gamma function', async () => {
    expect(gammaFunction(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 13);
    expect(gammaFunction(5)).toBeCloseTo(24, 11);
    expect(gammaFunction(1 / 3) / 2.678938534707747).toBeCloseTo(1, 13);
    expect(gammaFunction(0.1) / 9.513507698668732).toBeCloseTo(1, 13);
    expect(logGamma(15)).toBeCloseTo(Math.log(87178291200), 11);
  });

  it('the AGGD fit recovers the shape of Laplacian (1) and Gaussian (2) samples', async () => {
    const n = 200_000;
    let seed = 7;
    const uniform = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed + 0.5) / 2147483648;
    };
    const laplace = Float32Array.from({ length: n }, () => {
      const u = uniform() - 0.5;
      return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    });
    const normal = Float32Array.from(
      { length: n },
      () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
    );
    expect(aggdFit(laplace)?.shape).toBeCloseTo(1, 1);
    expect(aggdFit(normal)?.shape).toBeCloseTo(2, 1);
    expect(aggdFit(Float32Array.from([1, 2, 3]))).toBeUndefined();
  });

  it('features and scores agree with OpenCV on photos, a blurred, a noised and an odd-sized one', async () => {
    const before = tf.memory().numTensors;
    let worstScore = 0;
    let worstFeature = 0;
    for (const c of reference.cases) {
      const image = images.get(c.name)!;
      expect(image.shape).toEqual(c.shape);
      const features = await brisqueFeatures(image);
      expect(features).toHaveLength(36);
      features.forEach((v, i) => {
        // bit-identical today; a shape may move by one 0.001 grid step if the reference is regenerated elsewhere
        const tolerance = isShape(i) ? 1.5e-3 : 1e-5 * Math.max(1, Math.abs(c.features[i]));
        expect(Math.abs(v - c.features[i]), `${c.name} feature ${i}`).toBeLessThanOrEqual(tolerance);
        worstFeature = Math.max(worstFeature, Math.abs(v - c.features[i]));
      });
      const raw = await brisque(image, { clamp: false });
      const score = await brisque(image);
      expect(Math.abs(raw - c.rawScore), `${c.name} unclamped`).toBeLessThan(0.5);
      expect(Math.abs(score - c.score), c.name).toBeLessThan(0.5);
      worstScore = Math.max(worstScore, Math.abs(score - c.score), Math.abs(raw - c.rawScore));
    }
    // measured: features equal, scores within 2.1e-3 (OpenCV's float exp in the kernel); keeps the emulation honest
    expect(worstFeature).toBeLessThan(1.5e-3);
    expect(worstScore).toBeLessThan(0.02);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the SVR reproduces OpenCV exactly on OpenCV’s own features', async () => {
    const model = loadBrisqueModel();
    for (const c of reference.cases) {
      expect(Math.abs(predictBrisque(model, c.features) - c.rawScore), c.name).toBeLessThan(5e-3);
    }
  });

  it('orders distortions as expected and treats grey as R = G = B', async () => {
    const sharp = await brisque(images.get('chelsea')!);
    expect(await brisque(images.get('chelsea-blur')!)).toBeGreaterThan(sharp + 20);
    expect(await brisque(images.get('chelsea-noise')!)).toBeGreaterThan(sharp + 5);
    const grey = images.get('camera')!;
    const rgb = tf.tile(grey, [1, 1, 3]) as tf.Tensor3D;
    expect(await brisqueFeatures(rgb)).toEqual(await brisqueFeatures(grey));
    const unquantised = await brisque(grey, { quantize: false });
    // an 8-bit image is already quantised; only the last bit of k / 255 may differ
    expect(Math.abs(unquantised - (await brisque(grey)))).toBeLessThan(0.05);
    rgb.dispose();
  });

  it('the shipped model loads from its path and matches the cached default', async () => {
    const model = loadBrisqueModel();
    expect(model.supportVectors.shape).toEqual([774, 36]);
    expect(model.alpha).toHaveLength(774);
    expect(loadBrisqueModel()).toBe(model);
    const image = images.get('brick')!;
    const fresh = loadBrisqueModel(new URL('../models/brisque-live.json', import.meta.url).pathname);
    expect(await brisque(image, { model: fresh })).toBe(await brisque(image));
    expect(() => loadBrisqueModel('/nonexistent/brisque.json')).toThrow(/cannot read the BRISQUE model/);
    await expect(brisque(image, { model: { ...model, kernel: 'LINEAR' as 'RBF' } })).rejects.toThrow(/RBF/);
  });

  it('bad inputs give clear errors and leak nothing', async () => {
    const before = tf.memory().numTensors;
    const grey2d = tf.zeros([32, 32]) as unknown as tf.Tensor3D;
    const batch = tf.zeros([2, 32, 32, 3]) as unknown as tf.Tensor3D;
    const rgba = tf.zeros([32, 32, 4]) as tf.Tensor3D;
    const small = tf.zeros([13, 40, 1]) as tf.Tensor3D;
    const nan = tf.fill([32, 32, 1], Number.NaN) as tf.Tensor3D;
    const bytes = tf.fill([32, 32, 3], 200) as tf.Tensor3D;
    const flat = tf.fill([32, 32, 3], 0.5) as tf.Tensor3D;
    await expect(brisque(grey2d)).rejects.toThrow(/expected one image \[H, W, C\], got \[32, 32\]/);
    await expect(brisque(batch)).rejects.toThrow(/tf\.unstack/);
    await expect(brisque(rgba)).rejects.toThrow(/1 \(grey\) or 3 \(RGB\) channels, got 4; drop the alpha/);
    await expect(brisqueFeatures(small)).rejects.toThrow(/13x40; BRISQUE needs at least 14x14/);
    await expect(brisque(nan)).rejects.toThrow(/NaN/);
    await expect(brisque(bytes)).rejects.toThrow(/divide 8-bit values by 255/);
    await expect(brisque(flat)).rejects.toThrow(/flat/);
    await expect(brisque(flat, { clamp: 'yes' as unknown as boolean })).rejects.toThrow(/clamp must be/);
    tf.dispose([grey2d, batch, rgba, small, nan, bytes, flat]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, InvalidImageError, readImage, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { apd } from './apd.js';
import { type PerceptualDistance, perceptualDistance } from './perceptual.js';

// The photos of @scalespace/data, read by path (metrics does not depend on the data package).
const photo = (name: string) =>
  readImage(fileURLToPath(new URL(`../../data/assets/photos/${name}.png`, import.meta.url)));

/** Gaussian blur (reflect padding), as a test degradation. */
function blur(image: tf.Tensor3D, sigma: number): tf.Tensor3D {
  return tf.tidy(() => {
    const r = Math.ceil(3 * sigma);
    const taps = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
    const total = taps.reduce((s, v) => s + v, 0);
    const c = image.shape[2];
    const k = tf.tensor1d(taps.map((t) => t / total));
    const kx = tf.tile(tf.reshape(k, [1, 2 * r + 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const ky = tf.tile(tf.reshape(k, [2 * r + 1, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    const x = tf.mirrorPad(
      tf.expandDims(image, 0) as tf.Tensor4D,
      [
        [0, 0],
        [r, r],
        [r, r],
        [0, 0],
      ],
      'reflect',
    );
    const y = tf.depthwiseConv2d(tf.depthwiseConv2d(x, kx, 1, 'valid'), ky, 1, 'valid');
    return tf.squeeze(y, [0]) as tf.Tensor3D;
  });
}

describe('trunk perceptual distance', () => {
  let d: PerceptualDistance;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    d = await perceptualDistance();
  }, 300_000);

  it('is 0 for equal images, symmetric, positive for different ones, and leaks nothing', async () => {
    const a = await photo('astronaut');
    const b = await photo('chelsea');
    const before = tf.memory().numTensors;
    const copy = tf.add(a, 0);
    expect(await d(a, a)).toBe(0);
    expect(await d(a, copy)).toBe(0);
    const cropA = tf.slice(a, [0, 0, 0], [128, 192, 3]);
    const ab = await d(cropA, b);
    expect(ab).toBeGreaterThan(0);
    expect(await d(b, cropA)).toBe(ab);
    expect(d.name).toBe('trunk-perceptual/inception-v3/activation_3+activation_5+mixed2+mixed7');
    expect(d.layers).toEqual(['activation_3', 'activation_5', 'mixed2', 'mixed7']);
    tf.dispose([copy, cropA]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });

  it('ranks a mildly blurred photo closer than a heavily blurred one or a noisy one', async () => {
    const measured: Record<string, Record<string, number>> = {};
    for (const name of ['astronaut', 'coffee', 'camera']) {
      const x = await photo(name);
      const before = tf.memory().numTensors;
      const mild = blur(x, 0.8);
      const heavy = blur(x, 3);
      const noisy = tf.tidy(() => tf.clipByValue(tf.add(x, rng(7).normalTensor(x.shape, { std: 0.15 })), 0, 1));
      const noise = rng(8).uniformTensor(x.shape);
      const m = {
        mild: await d(x, mild),
        heavy: await d(x, heavy),
        noisy: await d(x, noisy),
        noise: await d(x, noise),
      };
      measured[name] = m;
      expect(m.mild).toBeGreaterThan(0);
      expect(m.mild).toBeLessThan(m.heavy);
      expect(m.mild).toBeLessThan(m.noisy);
      expect(m.heavy).toBeLessThan(m.noise);
      expect(m.noisy).toBeLessThan(m.noise);
      tf.dispose([mild, heavy, noisy, noise]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
    console.log('trunk perceptual distance (inception-v3)', JSON.stringify(measured));
  });

  it('treats grey as tiled RGB, batches as their images, and small images by upsampling', async () => {
    const g = await photo('camera');
    const before = tf.memory().numTensors;
    const gb = blur(g, 2);
    const rgb = tf.tile(g, [1, 1, 3]);
    const rgbB = tf.tile(gb, [1, 1, 3]);
    expect(Math.abs((await d(g, gb)) - (await d(rgb, rgbB)))).toBeLessThan(1e-6);
    const batchA = tf.stack([rgb, rgbB]);
    const batchB = tf.stack([rgbB, rgbB]);
    const per = await d.perImage(batchA, batchB);
    expect(per).toHaveLength(2);
    expect(per[1]).toBe(0);
    expect(Math.abs(per[0] - (await d(rgb, rgbB)))).toBeLessThan(1e-6);
    expect(await d(batchA, batchB)).toBeCloseTo(per[0] / 2, 6);
    // 40x40 is below InceptionV3's minimum side (75): upsampled, still a distance.
    const small = tf.image.resizeBilinear(rgb, [40, 40]);
    const smallB = tf.image.resizeBilinear(rgbB, [40, 40]);
    const ds = await d(small, smallB);
    expect(ds).toBeGreaterThan(0);
    expect(Number.isFinite(ds)).toBe(true);
    expect(await d(small, small)).toBe(0);
    tf.dispose([gb, rgb, rgbB, batchA, batchB, small, smallB]);
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });

  it('works as the distance of apd', async () => {
    const x = await photo('coffee');
    const samples = [x, blur(x, 1), blur(x, 2)];
    const before = tf.memory().numTensors;
    const value = await apd(samples, { distance: d });
    const pairs =
      ((await d(samples[0], samples[1])) + (await d(samples[0], samples[2])) + (await d(samples[1], samples[2]))) / 3;
    expect(value).toBeCloseTo(pairs, 10);
    expect(await apd([x, x], { distance: d })).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(samples);
  });

  it('takes other layers, a fixed size and the MobileNetV2 trunk', async () => {
    const x = await photo('chelsea');
    const y = blur(x, 1.5);
    const mobile = await perceptualDistance({ trunk: 'mobilenet-v2' }); // loads that trunk's weights once
    const before = tf.memory().numTensors;
    const one = await perceptualDistance({ layers: ['mixed2'], size: 96 });
    expect(one.name).toBe('trunk-perceptual/inception-v3/mixed2@96');
    expect(await one(x, y)).toBeGreaterThan(0);
    expect(mobile.layers).toEqual(['Conv1_relu', 'block_2_add', 'block_5_add', 'block_12_add', 'out_relu']);
    const dm = await mobile(x, y);
    expect(dm).toBeGreaterThan(0);
    expect(await mobile(y, x)).toBe(dm);
    expect(await mobile(x, x)).toBe(0);
    one.dispose();
    await expect(one(x, y)).rejects.toThrow(/disposed/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  }, 300_000);

  it('rejects bad inputs and options with what to do', async () => {
    const before = tf.memory().numTensors;
    const a = tf.zeros([32, 32, 3]);
    const narrow = tf.zeros([32, 30, 3]);
    const nan = tf.fill([32, 32, 3], Number.NaN);
    const rgba = tf.zeros([32, 32, 4]);
    const bytes = tf.fill([32, 32, 3], 255);
    const flat = tf.zeros([32, 32]);
    await expect(d(a, narrow)).rejects.toThrow(/differ in shape/);
    await expect(d(a, nan)).rejects.toThrow(/NaN/);
    await expect(d(nan, a)).rejects.toThrow(/NaN/);
    await expect(d(rgba, rgba)).rejects.toThrow(/drop alpha/);
    await expect(d(a, bytes)).rejects.toThrow(/divide 8-bit values by 255/);
    await expect(d(flat, flat)).rejects.toThrow(InvalidImageError);
    await expect(perceptualDistance({ layers: ['mixed2', 'nope'] })).rejects.toThrow(/no layer "nope"/);
    await expect(perceptualDistance({ layers: [] })).rejects.toThrow(InvalidArgumentError);
    await expect(perceptualDistance({ size: 50 })).rejects.toThrow(/>= 75/);
    tf.dispose([a, narrow, nan, rgba, bytes, flat]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

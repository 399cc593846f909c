import { rng, tf } from '@scalespace/core';
import { degrade, resize } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { apd } from './apd.js';
import { imageBitsPerDim } from './bits-per-dim.js';
import { rgbToY } from './color.js';
import { lrPsnr } from './lr-psnr.js';
import { msSsim } from './ms-ssim.js';
import { psnr } from './psnr.js';
import { ssim, ssimMap } from './ssim.js';

describe('metrics: exact cases and errors', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('an image against itself: PSNR Infinity, SSIM and MS-SSIM exactly 1, APD 0', async () => {
    const x = rng(1).uniformTensor([170, 165, 3]);
    expect(await psnr(x, x, { dataRange: 1 })).toBe(Number.POSITIVE_INFINITY);
    expect(await ssim(x, x, { dataRange: 1 })).toBeCloseTo(1, 6);
    expect(await ssim(x, x, { dataRange: 1, channel: 'y' })).toBeCloseTo(1, 6);
    expect(await msSsim(x, x, { dataRange: 1 })).toBeCloseTo(1, 5);
    expect(await apd([x, x, x])).toBe(0);
    x.dispose();
  });

  it('PSNR and SSIM of a 1024x1024 pair are accurate to float64 summation, not float32 (wasm sums one value at a time)', async () => {
    const before = tf.memory().numTensors;
    const [a, b] = [rng(7).uniformTensor([1024, 1024, 1]), rng(8).uniformTensor([1024, 1024, 1])];
    const [x, y] = [a.dataSync(), b.dataSync()];
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += Math.fround(x[i] - y[i]) ** 2;
    const exact = 10 * Math.log10(1 / (sum / x.length));
    expect(Math.abs((await psnr(a, b, { dataRange: 1 })) - exact)).toBeLessThan(1e-5);
    // The map itself is float32; its float64 mean must equal await ssim() to float precision.
    const map = await ssimMap(a, b, { dataRange: 1 });
    const values = map.dataSync();
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    expect(Math.abs((await ssim(a, b, { dataRange: 1 })) - total / values.length)).toBeLessThan(1e-9);
    tf.dispose([a, b, map]);
    expect(tf.memory().numTensors).toBe(before);
  }, 240_000); // a million values: float32 summation would be off by more than 1e-5 dB; smaller than before, so the worker
  // never blocks long enough for vitest's RPC to time out on a loaded machine

  it('PSNR follows its definition; the map has the valid-window shape', async () => {
    const a = tf.zeros([4, 4, 1]);
    const b = tf.fill([4, 4, 1], 0.1);
    expect(await psnr(a, b, { dataRange: 1 })).toBeCloseTo(20, 6);
    const x = rng(2).uniformTensor([20, 30, 3]);
    const map = await ssimMap(x, tf.mul(x, 0.5), { dataRange: 1 });
    expect(map.shape).toEqual([10, 20, 3]);
    tf.dispose([a, b, x, map]);
  });

  it('luma follows BT.601 (MATLAB rgb2ycbcr)', async () => {
    const y = rgbToY(
      tf.tensor3d([
        [
          [1, 1, 1],
          [0, 0, 0],
        ],
      ]),
    ).dataSync();
    expect(y[0] * 255).toBeCloseTo(235, 3);
    expect(y[1] * 255).toBeCloseTo(16, 3);
  });

  it('LR-PSNR is Infinity for a consistent super-resolution and finite for bicubic upsampling', async () => {
    const hr = rng(3).uniformTensor([32, 32, 3]);
    const lr = degrade(hr, { scale: 4 });
    expect(await lrPsnr(hr, lr, { scale: 4, dataRange: 1 })).toBeGreaterThan(100);
    const up = resize(lr, { scale: 4 });
    const value = await lrPsnr(up, lr, { scale: 4, dataRange: 1 });
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(15);
    tf.dispose([hr, lr, up]);
  });

  it('APD is the mean over pairs', async () => {
    const s = [tf.fill([2, 2, 1], 0), tf.fill([2, 2, 1], 0.1), tf.fill([2, 2, 1], 0.3)];
    // pairs: 0.01, 0.09, 0.04 -> mean 0.14 / 3
    expect(await apd(s)).toBeCloseTo(0.14 / 3, 6);
    expect(await apd(tf.stack(s))).toBeCloseTo(0.14 / 3, 6);
    await expect(apd([s[0]])).rejects.toThrow(/at least 2 samples/);
    tf.dispose(s);
  });

  it('bits/dim conventions', async () => {
    const dims = 32 * 32 * 3;
    expect(imageBitsPerDim(dims * Math.LN2 * 3, { shape: [32, 32, 3], bits: 8 })).toBeCloseTo(3, 10);
    expect(imageBitsPerDim(0, { shape: [32, 32, 3], bits: 5, convention: 'continuous-unit' })).toBe(5);
    expect(() => imageBitsPerDim(1, { shape: [0, 3], bits: 8 })).toThrow(/shape/);
  });

  it('bad inputs give clear errors', async () => {
    const a = tf.zeros([16, 16, 3]);
    const b = tf.zeros([16, 15, 3]);
    await expect(psnr(a, b, { dataRange: 1 })).rejects.toThrow(/differ in shape/);
    await expect(psnr(a, a, {} as { dataRange: number })).rejects.toThrow(/dataRange is required/);
    const big = tf.fill([16, 16, 3], 200);
    await expect(ssim(big, big, { dataRange: 1 })).rejects.toThrow(/pass the matching dataRange/);
    const nan = tf.fill([16, 16, 3], Number.NaN);
    await expect(ssim(nan, a, { dataRange: 1 })).rejects.toThrow(/NaN/);
    await expect(msSsim(a, a, { dataRange: 1 })).rejects.toThrow(/at least 161x161/);
    tf.dispose([a, b, big, nan]);
  });
});

import { measurePeakBytes, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleMemory } from './sample-memory.js';
import { SinGAN } from './singan.js';

// The shipped SinGAN (coffee, 6 scales, 128 x 85) from its model package folder.
const COFFEE = new URL('../../../models/singan-coffee/weights', import.meta.url).pathname;

describe('sampleMemory', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('predicts the peak of a large sample from two small probes, and the largest size that fits', async () => {
    const model = await SinGAN.load(COFFEE);
    const before = tf.memory().numTensors;
    const size: [number, number] = [300, 400];
    const estimate = await sampleMemory(model, { size, n: 2 });
    const { peakBytes, result } = await measurePeakBytes(() => model.sample({ n: 2, size, seed: 1 }));
    result.dispose();
    // The estimate covers the measured peak (plus the grid it adds) without being far above it.
    expect(estimate.bytes).toBeGreaterThanOrEqual(peakBytes);
    expect(estimate.bytes).toBeLessThan(1.5 * peakBytes + 2 * 2 * 300 * 400 * 12);
    const fits = estimate.largestSize(estimate.bytes / 4);
    expect(fits).not.toBeNull();
    const [h, w] = fits as [number, number];
    expect(Math.abs(w / h - 4 / 3)).toBeLessThan(0.02);
    expect(h * w).toBeLessThan((300 * 400) / 4);
    expect(h * w).toBeGreaterThan((300 * 400) / 8);
    expect(estimate.largestSize(1)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('sampling keeps one scale alive at a time: a 2x larger sample needs about 4x, not more', async () => {
    const model = await SinGAN.load(COFFEE);
    const peak = async (side: number) => {
      const { peakBytes, result } = await measurePeakBytes(() => model.sample({ n: 1, size: [side, side], seed: 1 }));
      result.dispose();
      return peakBytes;
    };
    const small = await peak(128);
    const large = await peak(256);
    expect(large / small).toBeGreaterThan(3);
    expect(large / small).toBeLessThan(4.5);
    // Measured: the finest scale's generator holds about 1.3 KB per pixel (32 channels).
    expect(large / (256 * 256)).toBeLessThan(4000);
    model.dispose();
  });
});

import { tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { ImageDataset } from './dataset.js';
import { fixtureDir } from './fixtures.js';
import { PatchSampler } from './patch-sampler.js';
import { noLeaks, pattern } from './test-helpers.js';

describe('PatchSampler', () => {
  it('grey patches of the fixture photos, the same for the same step and seed', async () => {
    const s = await PatchSampler.fromFolder(fixtureDir(), {
      size: 32,
      batchSize: 16,
      seed: 3,
      channels: 1,
      flip: true,
    });
    const t = await PatchSampler.fromFolder(fixtureDir(), {
      size: 32,
      batchSize: 16,
      seed: 3,
      channels: 1,
      flip: true,
    });
    expect(s.images.length).toBe(7);
    await noLeaks(() => {
      const a = s.batch(5);
      const b = t.batch(5);
      const c = s.batch(6);
      expect(a.shape).toEqual([16, 32, 32, 1]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
      const v = a.dataSync();
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      tf.dispose([a, b, c]);
    });
  });

  it('each patch is the window its position names (flips included)', () => {
    const images = [
      { data: pattern(20, 30, 3, 1), height: 20, width: 30, channels: 3 },
      { data: pattern(12, 12, 3, 2), height: 12, width: 12, channels: 3 },
    ];
    const s = new PatchSampler(images, { size: 6, batchSize: 12, seed: 9, flip: true, flipVertical: true });
    const positions = s.positions(2);
    const batch = s.batch(2);
    const v = batch.dataSync();
    positions.forEach((p, k) => {
      const im = images[p.image];
      for (const [y, x, c] of [
        [0, 0, 0],
        [5, 2, 1],
        [3, 5, 2],
      ]) {
        const sy = p.top + (p.flipVertical ? 5 - y : y);
        const sx = p.left + (p.flip ? 5 - x : x);
        expect(Math.round(v[k * 108 + (y * 6 + x) * 3 + c] * 255)).toBe(im.data[(sy * im.width + sx) * 3 + c]);
      }
    });
    batch.dispose();
  });

  it('draws positions uniformly over all windows: a larger image gives proportionally more patches', () => {
    const big = { data: new Uint8Array(41 * 41), height: 41, width: 41, channels: 1 }; // 36 * 36 windows of 6
    const small = { data: new Uint8Array(11 * 11), height: 11, width: 11, channels: 1 }; // 6 * 6 windows
    const s = new PatchSampler([big, small], { size: 6, batchSize: 1000, seed: 1 });
    const fromSmall = s.positions(0).filter((p) => p.image === 1).length;
    // Expected 1000 * 36 / (1296 + 36) = 27; allow sampling noise.
    expect(fromSmall).toBeGreaterThan(10);
    expect(fromSmall).toBeLessThan(50);
  });

  it('works on datasets and validates its inputs', () => {
    const ds = new ImageDataset(new Uint8Array(3 * 8 * 8), [8, 8, 1], { name: 't', path: '' });
    const batch = new PatchSampler(ds, { size: 8, batchSize: 2 }).batch(0);
    expect(batch.shape).toEqual([2, 8, 8, 1]);
    batch.dispose();
    expect(() => new PatchSampler(ds, { size: 9, batchSize: 2 })).toThrow(/image 0 is 8x8, smaller than a 9px patch/);
    expect(() => new PatchSampler([], { size: 2, batchSize: 2 })).toThrow(/no images/);
    expect(() => new PatchSampler(ds, { size: 2, batchSize: 0 })).toThrow(/batchSize/);
    expect(
      () =>
        new PatchSampler(
          [
            { data: new Uint8Array(16), height: 4, width: 4, channels: 1 },
            { data: new Uint8Array(48), height: 4, width: 4, channels: 3 },
          ],
          { size: 2, batchSize: 1 },
        ),
    ).toThrow(/differ in channel count/);
  });
});

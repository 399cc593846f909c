import { tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { loadFixture } from './fixtures.js';
import { randomPatches } from './patches.js';
import { noLeaks } from './test-helpers.js';

describe('randomPatches', () => {
  it('cuts seeded patches of float images that match the source windows', async () => {
    const images = [await loadFixture('brick'), await loadFixture('gravel')];
    await noLeaks(() => {
      const a = randomPatches(images, { size: 40, count: 6, seed: 3 });
      const b = randomPatches(images, { size: 40, count: 6, seed: 3 });
      expect(a.shape).toEqual([6, 40, 40, 1]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      // Each patch occurs in one of the images: check its first row against every position of both.
      const rows = a.arraySync() as number[][][][];
      const hosts = images.map((im) => im.arraySync() as number[][][]);
      for (const patch of rows) {
        const found = hosts.some((h) =>
          h.some((row, y) =>
            row.some(
              (_, x) =>
                y + 40 <= h.length &&
                x + 40 <= row.length &&
                patch[0].every((p, k) => p[0] === h[y][x + k][0]) &&
                patch[39][7][0] === h[y + 39][x + 7][0],
            ),
          ),
        );
        expect(found).toBe(true);
      }
      tf.dispose([a, b]);
    });
    expect(() => randomPatches(images, { size: 400, count: 1 })).toThrow(/smaller than/);
    tf.dispose(images);
  });
});

import { statSync } from 'node:fs';
import { tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fixtureImages, fixturePath, loadFixture } from './fixtures.js';
import { noLeaks } from './test-helpers.js';

describe('CC0 fixtures', () => {
  it('ships seven small images (<= 256 px, a few hundred KB in all)', async () => {
    expect(FIXTURES).toEqual(['astronaut', 'coffee', 'chelsea', 'camera', 'brick', 'grass', 'gravel']);
    const total = FIXTURES.reduce((s, n) => s + statSync(fixturePath(n)).size, 0);
    expect(total).toBeLessThan(500_000);
    const coffee = await loadFixture('coffee');
    expect(coffee.shape).toEqual([128, 192, 3]);
    const grass = await loadFixture('grass');
    expect(grass.shape).toEqual([192, 192, 1]);
    coffee.dispose();
    grass.dispose();
    expect(() => fixturePath('lena' as 'coffee')).toThrow(/unknown fixture "lena"; available: astronaut/);
  });

  it('fixtureImages loads all (or some) as grey or colour', async () => {
    const grey = await fixtureImages({ channels: 1 });
    expect(grey.length).toBe(7);
    for (const im of grey) {
      expect(im.shape[2]).toBe(1);
      expect(Math.max(im.shape[0], im.shape[1])).toBeLessThanOrEqual(256);
    }
    tf.dispose(grey);
    await noLeaks(async () => {
      const two = await fixtureImages({ names: ['camera', 'astronaut'], channels: 3 });
      expect(two.map((t) => t.shape)).toEqual([
        [192, 192, 3],
        [192, 192, 3],
      ]);
      tf.dispose(two);
    });
    await expect(fixtureImages({ names: [] })).rejects.toThrow(/names is empty/);
  });
});

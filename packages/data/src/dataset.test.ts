import { describe, expect, it } from 'vitest';
import { loadMnist } from './builtin.js';
import { ImageDataset } from './dataset.js';
import { noLeaks } from './test-helpers.js';

describe('ImageDataset', () => {
  const data = new ImageDataset(
    Uint8Array.from({ length: 50 * 4 }, (_, i) => i % 256),
    [2, 2, 1],
    { name: 'toy', path: '' },
    Int32Array.from({ length: 50 }, (_, i) => i),
  );

  it('get(i) is a view of image i; out-of-range indices are errors', () => {
    expect(Array.from(data.get(3))).toEqual([12, 13, 14, 15]);
    expect(data.get(3).buffer).toBe(data.data.buffer);
    expect(() => data.get(50)).toThrow(/index 50 out of range 0..49/);
    expect(() => new ImageDataset(new Uint8Array(7), [2, 2, 1], { name: 'x', path: '' })).toThrow(/not a whole number/);
  });

  it('split is deterministic by seed, disjoint, complete, and keeps labels with their images', () => {
    const [a, b] = data.split(0.8, 3);
    const [a2] = data.split(0.8, 3);
    const [a3] = data.split(0.8, 4);
    expect([a.size, b.size]).toEqual([40, 10]);
    expect(Array.from(a2.labels ?? [])).toEqual(Array.from(a.labels ?? []));
    expect(Array.from(a3.labels ?? [])).not.toEqual(Array.from(a.labels ?? []));
    const all = [...(a.labels ?? []), ...(b.labels ?? [])].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (let k = 0; k < a.size; k++) expect(Array.from(a.get(k))).toEqual(Array.from(data.get(a.labels?.[k] ?? -1)));
    expect(data.split(7)[0].size).toBe(7);
    expect(() => data.split(60)).toThrow(/cannot take 60 of 50/);
  });

  it('images() gives float [n, H, W, C] in [0, 1]', async () => {
    const mnist = await loadMnist('test');
    await noLeaks(() => {
      const x = mnist.images([0, 9999]);
      expect(x.shape).toEqual([2, 28, 28, 1]);
      const v = x.dataSync();
      expect(v[14 * 28 + 14]).toBeCloseTo(mnist.get(0)[14 * 28 + 14] / 255, 7);
      expect(v[784 + 400]).toBeCloseTo(mnist.get(9999)[400] / 255, 7);
      x.dispose();
    });
  });
});

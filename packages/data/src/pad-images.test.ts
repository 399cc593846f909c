import { tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { BatchSampler } from './batching.js';
import { ImageDataset } from './dataset.js';
import { padImages } from './pad-images.js';
import { noLeaks } from './test-helpers.js';

const toy = (n: number, h: number, w: number, c: number) =>
  new ImageDataset(
    Uint8Array.from({ length: n * h * w * c }, (_, i) => 1 + (i % 250)),
    [h, w, c],
    { name: 'toy', path: '' },
    Int32Array.from({ length: n }, (_, i) => 10 + i),
  );

describe('padImages', () => {
  it('puts every image in the middle of a zero border and keeps the labels', () => {
    const data = toy(3, 2, 3, 2);
    const padded = padImages(data, 1);
    expect(padded.shape).toEqual([4, 5, 2]);
    expect(padded.size).toBe(3);
    expect(Array.from(padded.labels ?? [])).toEqual([10, 11, 12]);
    for (let i = 0; i < 3; i++) {
      const image = padded.get(i);
      const original = data.get(i);
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++)
          for (let ch = 0; ch < 2; ch++) {
            const inside = y >= 1 && y <= 2 && x >= 1 && x <= 3;
            const expected = inside ? original[((y - 1) * 3 + (x - 1)) * 2 + ch] : 0;
            expect(image[(y * 5 + x) * 2 + ch]).toBe(expected);
          }
    }
    expect(padImages(data, 0)).toBe(data);
  });

  it("gives the batches that BatchSampler's own padding gives", async () => {
    await noLeaks(async () => {
      const data = toy(6, 3, 4, 1);
      const ours = new BatchSampler(padImages(data, 2), { batchSize: 3, seed: 5 }).batch(1);
      const theirs = new BatchSampler(data, { batchSize: 3, seed: 5, augment: { pad: 2 } }).batch(1);
      expect(ours.indices).toEqual(theirs.indices);
      expect(await ours.images.data()).toEqual(await theirs.images.data());
      tf.dispose([ours.images, theirs.images, ours.labels ?? [], theirs.labels ?? []].flat());
    });
  });

  it('refuses a negative or fractional pad', () => {
    expect(() => padImages(toy(1, 2, 2, 1), -1)).toThrow(/pad must be an integer >= 0, got -1/);
    expect(() => padImages(toy(1, 2, 2, 1), 1.5)).toThrow(/pad must be an integer >= 0, got 1.5/);
  });
});

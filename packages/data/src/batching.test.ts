import { tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { BatchSampler, batches } from './batching.js';
import { loadMnist } from './builtin.js';
import { ImageDataset } from './dataset.js';
import { noLeaks } from './test-helpers.js';

/** n images of h x w x c whose bytes are their index (mod 256) plus the position. */
const toy = (n: number, h = 2, w = 2, c = 1) =>
  new ImageDataset(
    Uint8Array.from({ length: n * h * w * c }, (_, i) => i % 256),
    [h, w, c],
    { name: 'toy', path: '' },
    Int32Array.from({ length: n }, (_, i) => i),
  );

const dispose = (b: { images: tf.Tensor; labels: tf.Tensor | null }) => tf.dispose([b.images, b.labels ?? []].flat());

describe('BatchSampler', () => {
  it('with dropLast: false every index appears exactly once per epoch; each epoch reshuffles', () => {
    const s = new BatchSampler(toy(23), { batchSize: 5, seed: 4, dropLast: false });
    expect(s.batchesPerEpoch).toBe(5);
    for (const epoch of [0, 1, 2]) {
      const seen = Array.from({ length: 5 }, (_, k) => s.indicesAt(epoch * 5 + k)).flat();
      expect(seen.length).toBe(23);
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    }
    expect(s.indicesAt(4).length).toBe(3);
    expect([0, 1, 2, 3, 4].flatMap((k) => s.indicesAt(k))).not.toEqual([5, 6, 7, 8, 9].flatMap((k) => s.indicesAt(k)));
  });

  it('with dropLast (the default) each epoch visits size - size % batchSize distinct images in full batches', () => {
    const s = new BatchSampler(toy(23), { batchSize: 5, seed: 4 });
    expect(s.batchesPerEpoch).toBe(4);
    const seen = [0, 1, 2, 3].flatMap((k) => s.indicesAt(k));
    expect(new Set(seen).size).toBe(20);
    const unshuffled = new BatchSampler(toy(23), { batchSize: 5, shuffle: false });
    expect(unshuffled.indicesAt(5)).toEqual([5, 6, 7, 8, 9]);
  });

  it('is deterministic by seed: same seed same batches (pixels included), another seed another order', async () => {
    const data = toy(40, 4, 4, 3);
    const opts = { batchSize: 8, seed: 7, augment: { flip: true, crop: [3, 3] as [number, number], pad: 1 } };
    const a = new BatchSampler(data, opts);
    const b = new BatchSampler(data, opts);
    await noLeaks(() => {
      for (const step of [0, 3, 11]) {
        const x = a.batch(step);
        const y = b.batch(step);
        expect(x.indices).toEqual(y.indices);
        expect(Array.from(x.images.dataSync())).toEqual(Array.from(y.images.dataSync()));
        dispose(x);
        dispose(y);
      }
    });
    const other = new BatchSampler(data, { ...opts, seed: 8 });
    expect(other.indicesAt(0)).not.toEqual(a.indicesAt(0));
  });

  it('float batches are bytes / 255 with labels; int batches keep the top bits', async () => {
    const mnist = (await loadMnist('test')).take(8);
    await noLeaks(() => {
      const f = new BatchSampler(mnist, { batchSize: 4, shuffle: false }).batch(1);
      expect(f.images.shape).toEqual([4, 28, 28, 1]);
      expect(f.images.dtype).toBe('float32');
      const v = f.images.dataSync();
      for (const i of [0, 300, 3000]) expect(v[i]).toBeCloseTo(mnist.data[4 * 784 + i] / 255, 7);
      expect(Array.from(f.labels?.dataSync() ?? [])).toEqual(Array.from(mnist.labels?.subarray(4, 8) ?? []));
      dispose(f);
      for (const bits of [1, 5, 8]) {
        const q = new BatchSampler(mnist, { batchSize: 8, shuffle: false, format: { bits } }).batch(0);
        expect(q.images.dtype).toBe('int32');
        const qv = q.images.dataSync();
        for (let i = 0; i < qv.length; i += 97) expect(qv[i]).toBe(mnist.data[i] >> (8 - bits));
        expect(Math.max(...qv)).toBe(2 ** bits - 1);
        dispose(q);
      }
    });
  });

  it('pads 28 -> 32 with zeros around the unchanged image', async () => {
    const mnist = (await loadMnist('test')).take(4);
    const { images, labels } = new BatchSampler(mnist, {
      batchSize: 4,
      shuffle: false,
      format: { bits: 5 },
      augment: { pad: 2 },
    }).batch(0);
    expect(images.shape).toEqual([4, 32, 32, 1]);
    const v = images.dataSync();
    for (let k = 0; k < 4; k++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
          const want = inside ? mnist.get(k)[(y - 2) * 28 + (x - 2)] >> 3 : 0;
          expect(v[k * 1024 + y * 32 + x]).toBe(want);
        }
    tf.dispose([images, labels ?? []].flat());
  });

  it('crops are windows of the padded image and flips mirror them', () => {
    const data = toy(1, 3, 3, 1); // bytes 0..8
    const seen = new Set<string>();
    const s = new BatchSampler(data, {
      batchSize: 1,
      seed: 2,
      augment: { crop: [2, 2], flip: true, flipVertical: true },
    });
    const windows = new Set<string>();
    for (const [t, l] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]) {
      const w = [
        data.data[t * 3 + l],
        data.data[t * 3 + l + 1],
        data.data[(t + 1) * 3 + l],
        data.data[(t + 1) * 3 + l + 1],
      ];
      windows.add(w.join());
      windows.add([w[1], w[0], w[3], w[2]].join()); // left-right
      windows.add([w[2], w[3], w[0], w[1]].join()); // top-bottom
      windows.add([w[3], w[2], w[1], w[0]].join()); // both
    }
    for (let step = 0; step < 40; step++) {
      const b = s.batch(step);
      const got = Array.from(b.images.dataSync(), (x) => Math.round(x * 255)).join();
      expect(windows.has(got)).toBe(true);
      seen.add(got);
      dispose(b);
    }
    expect(seen.size).toBeGreaterThan(8);
  });

  it('batches() yields whole epochs; options are validated', () => {
    const data = toy(10);
    const all = [...batches(data, { batchSize: 5, epochs: 2 })];
    expect(all.length).toBe(4);
    all.forEach(dispose);
    const viaMethod = [...data.batches({ batchSize: 4, dropLast: false, seed: 1 })];
    expect(viaMethod.map((b) => b.indices.length)).toEqual([4, 4, 2]);
    expect(new Set(viaMethod.flatMap((b) => b.indices)).size).toBe(10);
    viaMethod.forEach(dispose);
    expect(() => new BatchSampler(data, { batchSize: 11 })).toThrow(/larger than the dataset/);
    expect(() => new BatchSampler(data, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new BatchSampler(data, { batchSize: 2, format: { bits: 9 } })).toThrow(/bits must be in 1..8/);
    expect(() => new BatchSampler(data, { batchSize: 2, augment: { pad: -1 } })).toThrow(/pad must be a non-negative/);
    expect(() => new BatchSampler(data, { batchSize: 2, augment: { crop: [3, 3] } })).toThrow(/crop 3x3 is larger/);
    expect(() => new BatchSampler(data, { batchSize: 2 }).batch(-1)).toThrow(/non-negative integer/);
  });
});

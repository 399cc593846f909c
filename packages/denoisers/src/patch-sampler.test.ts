import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { haarStep, inverseHaarStep } from './haar.js';
import { type HostImage, samplePatchBatch } from './patch-sampler.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('samplePatchBatch', () => {
  it('draws crops of the images (no augmentation) deterministically from a seed', () => {
    const image: HostImage = {
      data: Float32Array.from({ length: 10 * 12 }, (_, i) => i),
      height: 10,
      width: 12,
      channels: 1,
    };
    const a = samplePatchBatch([image], { batchSize: 5, patchSize: 4, augment: false }, rng(1));
    const b = samplePatchBatch([image], { batchSize: 5, patchSize: 4, augment: false }, rng(1));
    expect(a).toEqual(b);
    for (let k = 0; k < 5; k++) {
      const patch = a.subarray(k * 16, (k + 1) * 16);
      const y0 = Math.floor(patch[0] / 12);
      const x0 = patch[0] % 12;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(patch[i * 4 + j]).toBe((y0 + i) * 12 + x0 + j);
    }
  });

  it('augments detail bands consistently: the bands of a flipped / transposed patch are the transformed bands', () => {
    // Decompose an image; draw augmented patches of [low, details]; each must reconstruct to a dihedral
    // transform of a crop of the image, i.e. to some 8-fold transform of the matching image patch.
    const h = 16;
    const w = 16;
    const x = rng(3).uniformTensor([1, h, w, 1]) as tf.Tensor4D;
    const { low, details } = haarStep(x);
    const joint = tf.concat([low, details], 3);
    const source: HostImage = {
      data: joint.dataSync() as Float32Array,
      height: 8,
      width: 8,
      channels: 4,
      detailOffset: 1,
    };
    const p = 4;
    const batch = samplePatchBatch([source], { batchSize: 24, patchSize: p }, rng(5));
    const bands = tf.tensor4d(batch, [24, p, p, 4]);
    const images = inverseHaarStep(
      tf.slice(bands, [0, 0, 0, 0], [24, p, p, 1]) as tf.Tensor4D,
      tf.slice(bands, [0, 0, 0, 1], [24, p, p, 3]) as tf.Tensor4D,
    );
    const pixels = images.arraySync() as number[][][][];
    const full = (x.arraySync() as number[][][][])[0].map((row) => row.map((v) => v[0]));
    const transforms = (q: number[][]) => {
      const t = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
      const fh = (m: number[][]) => m.map((row) => [...row].reverse());
      const fv = (m: number[][]) => [...m].reverse();
      const out: number[][][] = [];
      for (const a of [q, t(q)]) for (const b of [a, fh(a)]) for (const c of [b, fv(b)]) out.push(c);
      return out;
    };
    let used = 0;
    for (const patch of pixels) {
      const grey = patch.map((row) => row.map((v) => v[0]));
      let found = false;
      for (let y0 = 0; y0 + 2 * p <= h && !found; y0 += 2)
        for (let x0 = 0; x0 + 2 * p <= w && !found; x0 += 2) {
          const crop = full.slice(y0, y0 + 2 * p).map((row) => row.slice(x0, x0 + 2 * p));
          for (const t of transforms(crop)) {
            if (t.every((row, i) => row.every((v, j) => Math.abs(v - grey[i][j]) < 1e-5))) {
              found = true;
              break;
            }
          }
        }
      expect(found).toBe(true);
      used += 1;
    }
    expect(used).toBe(24);
    tf.dispose([x, low, details, joint, bands, images]);
  });

  it('rejects patches larger than the images', () => {
    const image: HostImage = { data: new Float32Array(16), height: 4, width: 4, channels: 1 };
    expect(() => samplePatchBatch([image], { batchSize: 1, patchSize: 5 }, rng(1))).toThrow(
      /smaller than the 5x5 patch/,
    );
  });
});

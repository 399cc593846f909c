import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from './index.js';

describe('@scalespace/model-singan-coffee', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('loads, reconstructs its training image and samples at two sizes', async () => {
    const before = tf.memory().numTensors;
    const model = await load();
    const [h, w] = model.imageSize;
    const rec = model.reconstruct();
    const real = model.trainingImage();
    const psnr = tf.tidy(() => -10 * Math.log10(tf.mean(tf.squaredDifference(rec, real)).dataSync()[0]));
    expect(psnr).toBeGreaterThan(20);
    const a = model.sample({ n: 2, seed: 1 });
    const b = model.sample({ n: 1, seed: 1, size: [h, 2 * w] });
    expect(a.shape).toEqual([2, h, w, 3]);
    expect(b.shape).toEqual([1, h, 2 * w, 3]);
    tf.dispose([rec, real, a, b]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

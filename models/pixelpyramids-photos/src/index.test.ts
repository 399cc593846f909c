import type { PixelPyramids } from '@scalespace/autoregressive';
import { tf } from '@scalespace/core';
import { loadFixture } from '@scalespace/data';
import { disposePaired, pairedPyramid } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from './index.js';

describe('@scalespace/model-pixelpyramids-photos', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('codes held-out photo patches well below 8 bits/dim, samples in 40 steps, super-resolves 8x8 exactly', async () => {
    const before = tf.memory().numTensors;
    const model = await load();
    const net = model.module as PixelPyramids;
    expect([model.height, model.width, model.channels, model.bits]).toEqual([32, 32, 1, 8]);
    expect(Number(model.training?.testBitsPerDim)).toBeGreaterThan(0);

    // Chelsea was held out of training (the README's test set is its patches and gravel's, at full size); here
    // eight patches of the 192-pixel fixture. Raw 8-bit values cost 8 bits; a uniform model over the patch's
    // own value range about 6.6.
    const cat = await loadFixture('chelsea', { channels: 1 });
    const patches = tf.tidy(() => {
      const crops = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
        tf.slice(cat, [16 + 12 * (i % 4), 24 + 40 * Math.floor(i / 4) + 8 * (i % 4), 0], [32, 32, 1]),
      );
      return tf.cast(tf.round(tf.mul(tf.stack(crops), 255)), 'int32') as tf.Tensor4D;
    });
    const bpd = await net.bitsPerDim(patches);
    expect(bpd).toBeLessThan(6);

    const s = await model.sample({ n: 2, seed: 1 });
    expect(s.images.shape).toEqual([2, 32, 32, 1]);
    expect(s.networkEvaluations).toBe(40);

    const two = tf.slice(patches, [0, 0, 0, 0], [2, 32, 32, 1]);
    const pyramid = pairedPyramid(two, { bits: 8, levels: 4 });
    expect(pyramid.coarse.shape).toEqual([2, 8, 8, 1]);
    const sr = await net.superResolve(pyramid.coarse, { seed: 3 });
    const back = pairedPyramid(sr.images, { bits: 8, levels: 4 });
    expect(Array.from(back.coarse.dataSync())).toEqual(Array.from(pyramid.coarse.dataSync()));
    disposePaired(back);
    disposePaired(pyramid);
    tf.dispose([cat, patches, two, s.images, sr.images]);
    model.module.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

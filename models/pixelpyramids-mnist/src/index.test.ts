import type { PixelPyramids } from '@scalespace/autoregressive';
import { tf } from '@scalespace/core';
import { BatchSampler, loadMnist } from '@scalespace/data';
import { disposePaired, pairedPyramid } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from './index.js';

describe('@scalespace/model-pixelpyramids-mnist', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('scores MNIST test digits near its recorded bits/dim, samples in 40 steps, super-resolves 8x8 exactly', async () => {
    const before = tf.memory().numTensors;
    const model = await load();
    const net = model.module as PixelPyramids;
    expect([model.height, model.width, model.channels, model.bits]).toEqual([32, 32, 1, 8]);

    const test = (await loadMnist('test')).take(50);
    const sampler = new BatchSampler(test, { batchSize: 50, shuffle: false, augment: { pad: 2 }, format: { bits: 8 } });
    const { images: digits, labels } = sampler.batch(0);
    labels?.dispose();
    // The README's number is over all 10,000 test digits; 50 of them land within a loose band around it.
    const recorded = Number(model.training?.testBitsPerDim);
    const bpd = await net.bitsPerDim(digits);
    expect(Math.abs(bpd - recorded)).toBeLessThan(0.35 * recorded);

    const s = await model.sample({ n: 2, seed: 1 });
    expect(s.images.shape).toEqual([2, 32, 32, 1]);
    expect(s.networkEvaluations).toBe(net.sequentialSteps);
    expect(s.networkEvaluations).toBe(40);

    const two = tf.slice(digits, [0, 0, 0, 0], [2, 32, 32, 1]);
    const pyramid = pairedPyramid(two, { bits: 8, levels: 4 });
    expect(pyramid.coarse.shape).toEqual([2, 8, 8, 1]);
    const sr = await net.superResolve(pyramid.coarse, { seed: 3 });
    const back = pairedPyramid(sr.images, { bits: 8, levels: 4 });
    expect(Array.from(back.coarse.dataSync())).toEqual(Array.from(pyramid.coarse.dataSync()));
    disposePaired(back);
    disposePaired(pyramid);
    tf.dispose([digits, two, s.images, sr.images]);
    model.module.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseGroups, lowFrequencyAnalysis } from './low-frequency.js';
import { perturb, SMALL } from './test-helpers.js';
import { VDVAE } from './vdvae.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('lowFrequencyAnalysis', () => {
  it('is zero once every group is fixed, positive before, and downscaling shrinks the distances', async () => {
    const model = perturb(new VDVAE(SMALL, { seed: 1 }), 2, 0.3);
    const before = tf.memory().numTensors;
    const events: number[] = [];
    const r = await lowFrequencyAnalysis(model, {
      codes: 4,
      samples: 3,
      factors: [1, 2, 4],
      output: 'mode',
      seed: 1,
      onProgress: (e) => events.push(e.step),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.ks).toEqual([0, 1, 2, 3, 4]);
    expect(r.resolutions).toEqual([1, 4, 4, 8, null]);
    expect(events).toEqual([1, 2, 3, 4]);
    for (const s of [1, 2, 4]) {
      expect(r.u[s][4]).toBe(0); // all latents fixed, mode output: identical samples
      expect(r.u[s][0]).toBeGreaterThan(0);
    }
    expect(r.u[4][0]).toBeLessThan(r.u[1][0]); // averaging away detail brings samples closer
    await expect(lowFrequencyAnalysis(model, { factors: [3] })).rejects.toThrow(/divid/);
    model.dispose();
  });

  it('chooses the smallest k whose low-resolution distance is near the best reachable one', () => {
    const result = {
      ks: [0, 1, 2, 3, 4],
      factors: [4],
      u: { 4: [0.3, 0.2, 0.105, 0.1, 0.01] },
      resolutions: [],
      codes: 1,
      samples: 2,
    };
    expect(chooseGroups(result, { factor: 4, maxK: 3 })).toBe(2);
    expect(chooseGroups(result, { factor: 4, maxK: 3, tolerance: 0 })).toBe(3);
    expect(() => chooseGroups(result, { factor: 8, maxK: 3 })).toThrow(/no factor 8/);
  });
});

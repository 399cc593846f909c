import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeWavelet, wavedec2 } from './dwt.js';
import { pyramidMosaic, waveletMosaic } from './mosaic.js';

describe('mosaics', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('pyramidMosaic: finest level on the left, the others stacked in a column to its right', async () => {
    const before = tf.memory().numTensors;
    const fine = tf.fill([8, 6, 1], 4, 'int32');
    const mid = tf.fill([4, 3, 1], 2, 'int32');
    const coarse = tf.fill([2, 2, 1], 0, 'int32');
    const m = await pyramidMosaic([fine, mid, coarse], { bits: 3, background: 1 });
    expect(m.shape).toEqual([8, 6 + 1 + 3, 1]);
    const v = m.arraySync() as number[][][];
    expect(v[0][0][0]).toBeCloseTo(4 / 7, 6); // integer levels scaled by 2^bits - 1
    expect(v[0][7][0]).toBeCloseTo(2 / 7, 6);
    expect(v[4][7][0]).toBe(0); // the coarse level starts below the middle one
    expect(v[7][9][0]).toBe(1); // background
    tf.dispose([fine, mid, coarse, m]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('waveletMosaic: low-pass top left, each level of details around it, same size as the input', async () => {
    const before = tf.memory().numTensors;
    const x = rng(1).uniformTensor([16, 16, 3]);
    const dec = wavedec2(x, { levels: 2 });
    const m = await waveletMosaic(dec);
    expect(m.shape).toEqual([16, 16, 3]);
    const v = m.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    // The finest diagonal band fills the bottom-right quarter; its largest |value| maps to 1.
    const corner = tf.tidy(() => tf.max(tf.slice(m, [8, 8, 0], [8, 8, 3])).dataSync()[0]);
    expect(corner).toBeCloseTo(1, 6);
    disposeWavelet(dec);
    tf.dispose([x, m]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

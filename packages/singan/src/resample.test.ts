import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resampleMatrix, resizeBicubic } from './resample.js';

describe('resizeBicubic (stand-in for pyramids resize)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('weights of every output pixel sum to one', () => {
    for (const [a, b] of [
      [128, 97],
      [25, 33],
      [16, 128],
      [7, 3],
    ]) {
      const m = resampleMatrix(a, b);
      for (let o = 0; o < b; o++) {
        let s = 0;
        for (let i = 0; i < a; i++) s += m[o * a + i];
        expect(s).toBeCloseTo(1, 5);
      }
    }
  });

  it('upsampling reproduces a linear ramp away from the borders (cubic interpolation is exact on lines)', () => {
    const before = tf.memory().numTensors;
    const ramp = tf.tidy(() => tf.tile(tf.reshape(tf.linspace(0, 1, 20), [1, 20, 1, 1]), [1, 1, 3, 2])) as tf.Tensor4D;
    const up = resizeBicubic(ramp, 40, 3);
    const v = up.dataSync();
    for (let o = 4; o < 36; o++) {
      const expected = ((o + 0.5) / 2 - 0.5) / 19;
      expect(v[o * 3 * 2]).toBeCloseTo(expected, 5);
    }
    tf.dispose([ramp, up]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('antialiases when shrinking: a one-pixel checkerboard becomes flat grey', () => {
    const before = tf.memory().numTensors;
    const board = tf.tidy(() => {
      const v = Float32Array.from({ length: 64 * 64 }, (_, i) => ((i % 64) + Math.floor(i / 64)) % 2);
      return tf.tensor4d(v, [1, 64, 64, 1]);
    });
    const small = resizeBicubic(board, 16, 16);
    const inner = tf.tidy(() => tf.slice(small, [0, 2, 2, 0], [1, 12, 12, 1]));
    const [lo, hi] = tf.tidy(() => [tf.min(inner).dataSync()[0], tf.max(inner).dataSync()[0]]);
    expect(lo).toBeGreaterThan(0.45);
    expect(hi).toBeLessThan(0.55);
    tf.dispose([board, small, inner]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

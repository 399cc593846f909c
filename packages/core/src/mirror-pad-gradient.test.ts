import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from './rng.js';
import { tf } from './tf.js';

/** Mirror padding written as an explicit linear map on a 1-D signal: the reference for the gradient. */
function padMatrix(n: number, before: number, after: number, mode: 'reflect' | 'symmetric'): number[][] {
  const m = Array.from({ length: n + before + after }, () => new Array(n).fill(0));
  for (let i = 0; i < n + before + after; i++) {
    let j = i - before;
    const offset = mode === 'reflect' ? 1 : 0;
    if (j < 0) j = -j - 1 + offset;
    if (j >= n) j = 2 * n - j - 1 - offset;
    m[i][j] = 1;
  }
  return m;
}

describe('MirrorPad gradient', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([
    ['reflect', 2, 1],
    ['reflect', 3, 3],
    ['symmetric', 1, 2],
    ['symmetric', 4, 0],
  ] as const)('%s padding (%i, %i) routes the gradient of every border copy back', (mode, before, after) => {
    const n = 5;
    const x = rng(1).normalTensor([n]);
    const w = rng(2).normalTensor([n + before + after]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t as tf.Tensor1D, [[before, after]], mode), w)))(x);
    // d/dx of w . (P x) is P^T w.
    const p = padMatrix(n, before, after, mode);
    const wv = w.dataSync();
    const expected = Array.from({ length: n }, (_, j) => p.reduce((s, row, i) => s + row[j] * wv[i], 0));
    const got = g.dataSync();
    for (let j = 0; j < n; j++) expect(got[j]).toBeCloseTo(expected[j], 5);
    tf.dispose([x, w, g]);
  });

  it('works on 4-D images over two axes (sum of the padded image counts every copy)', () => {
    const x = rng(3).normalTensor([1, 6, 7, 2]);
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(
        tf.mirrorPad(
          t as tf.Tensor4D,
          [
            [0, 0],
            [2, 2],
            [1, 3],
            [0, 0],
          ],
          'reflect',
        ),
      ),
    )(x);
    expect(tf.tidy(() => tf.sum(g).dataSync()[0])).toBeCloseTo((6 + 4) * (7 + 4) * 2, 3);
    tf.dispose([x, g]);
  });
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AxisMap, applyAxisMap, applyAxisMapSum, applyAxisMaps, axisMapMatrix, resolveIndex } from './axis-map.js';

/** A map whose rows repeat every `phases` outputs, shifted by `stride` inputs (or random rows when not periodic). */
function randomMap(
  seed: number,
  size: number,
  rows: number,
  options: { phases: number; stride: number; taps: number; periodic?: boolean },
  boundary: Pick<AxisMap, 'boundary' | 'rightBoundary' | 'period'>,
): AxisMap {
  const r = rng(seed);
  const { phases, stride, taps } = options;
  const starts = new Int32Array(rows);
  const weights = new Float32Array(rows * taps);
  const offsets = Array.from({ length: phases }, () => r.int(3) - 2);
  for (let i = 0; i < rows; i++) {
    const phase = i % phases;
    starts[i] = Math.floor(i / phases) * stride + offsets[phase];
    for (let t = 0; t < taps; t++) {
      const source = options.periodic === false ? i : phase;
      weights[i * taps + t] = Math.sin(1 + source * 7.1 + t * 3.3 + seed);
    }
  }
  return { size, rows, taps, starts, weights, ...boundary };
}

/** The reference: the dense matrix applied on the host, along axis 1 or 2 of [N, H, W, C] values. */
function denseApply(x: tf.Tensor4D, map: AxisMap, axis: 1 | 2): Float32Array {
  const m = axisMapMatrix(map);
  const [n, h, w, c] = x.shape;
  const v = x.dataSync();
  const oh = axis === 1 ? map.rows : h;
  const ow = axis === 2 ? map.rows : w;
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let j = 0; j < map.size; j++) {
            const src = axis === 1 ? ((b * h + j) * w + xx) * c + ch : ((b * h + y) * w + j) * c + ch;
            s += m[(axis === 1 ? y : xx) * map.size + j] * v[src];
          }
          out[((b * oh + y) * ow + xx) * c + ch] = s;
        }
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

const BOUNDARIES: Array<Pick<AxisMap, 'boundary' | 'rightBoundary' | 'period'>> = [
  { boundary: 'symmetric' },
  { boundary: 'reflect' },
  { boundary: 'reflect', rightBoundary: 'symmetric' },
  { boundary: 'periodic' },
  { boundary: 'zero' },
];

describe('axis maps', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('resolves boundaries like numpy.pad (symmetric, reflect, wrap) and PyWavelets periodization', () => {
    const idx = (b: Pick<AxisMap, 'boundary' | 'rightBoundary' | 'period'>, n: number) =>
      [-3, -2, -1, 0, n - 1, n, n + 1, n + 2].map((j) => resolveIndex({ size: n, ...b }, j));
    expect(idx({ boundary: 'symmetric' }, 4)).toEqual([2, 1, 0, 0, 3, 3, 2, 1]);
    expect(idx({ boundary: 'reflect' }, 4)).toEqual([3, 2, 1, 0, 3, 2, 1, 0]);
    expect(idx({ boundary: 'periodic' }, 4)).toEqual([1, 2, 3, 0, 3, 0, 1, 2]);
    // Odd length 3 extended to 4 by repeating the last sample, then periodic.
    expect(idx({ boundary: 'periodic', period: 4 }, 3)).toEqual([1, 2, 2, 0, 2, 2, 0, 1]);
    expect(idx({ boundary: 'zero' }, 4)).toEqual([-1, -1, -1, 0, 3, -1, -1, -1]);
    // Short axes reflect several times.
    expect(idx({ boundary: 'symmetric' }, 2)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    expect(idx({ boundary: 'reflect' }, 1)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it.each(
    BOUNDARIES.flatMap((b) =>
      [
        { phases: 1, stride: 2, taps: 4 },
        { phases: 2, stride: 1, taps: 3 },
        { phases: 3, stride: 2, taps: 5 },
        { phases: 1, stride: 1, taps: 9 },
      ].map(
        (o) =>
          [`${b.boundary}${b.rightBoundary ? `/${b.rightBoundary}` : ''} P=${o.phases} Q=${o.stride}`, b, o] as const,
      ),
    ),
  )('%s: the polyphase convolution equals the dense matrix on both axes', (_n, boundary, o) => {
    const before = tf.memory().numTensors;
    for (const [size, rows] of [
      [11, 7],
      [3, 6],
      [16, 16],
    ]) {
      const map = randomMap(size * 31 + rows, size, rows, o, boundary);
      for (const axis of [1, 2] as const) {
        const shape: [number, number, number, number] = axis === 1 ? [2, size, 3, 2] : [2, 3, size, 2];
        const x = rng(size + axis).normalTensor(shape) as tf.Tensor4D;
        const y = applyAxisMap(x, map, axis);
        expect(y.shape[axis]).toBe(rows);
        expect(maxDiff(y.dataSync(), denseApply(x, map, axis))).toBeLessThan(1e-5);
        tf.dispose([x, y]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('maps without a short period fall back to the banded gather, with the same result', () => {
    const map = randomMap(5, 40, 25, { phases: 1, stride: 1, taps: 4, periodic: false }, { boundary: 'symmetric' });
    const x = rng(1).normalTensor([1, 40, 5, 3]) as tf.Tensor4D;
    const y = applyAxisMap(x, map, 1);
    expect(maxDiff(y.dataSync(), denseApply(x, map, 1))).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });

  it('shared convolutions and summed terms equal the maps applied one by one', () => {
    const a = randomMap(1, 12, 6, { phases: 1, stride: 2, taps: 4 }, { boundary: 'periodic' });
    const b = randomMap(2, 12, 6, { phases: 1, stride: 2, taps: 6 }, { boundary: 'periodic' });
    const x = rng(3).normalTensor([1, 12, 4, 2]) as tf.Tensor4D;
    const [ya, yb] = applyAxisMaps(x, [a, b], 1);
    expect(maxDiff(ya.dataSync(), denseApply(x, a, 1))).toBeLessThan(1e-5);
    expect(maxDiff(yb.dataSync(), denseApply(x, b, 1))).toBeLessThan(1e-5);
    const up1 = randomMap(4, 5, 10, { phases: 2, stride: 1, taps: 2 }, { boundary: 'zero' });
    const up2 = randomMap(6, 5, 10, { phases: 2, stride: 1, taps: 3 }, { boundary: 'zero' });
    const p = rng(5).normalTensor([2, 3, 5, 1]) as tf.Tensor4D;
    const q = rng(6).normalTensor([2, 3, 5, 1]) as tf.Tensor4D;
    const sum = applyAxisMapSum(
      [
        [p, up1],
        [q, up2],
      ],
      2,
    );
    const expected = denseApply(p, up1, 2).map((v, i) => v + denseApply(q, up2, 2)[i]);
    expect(maxDiff(sum.dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([x, ya, yb, p, q, sum]);
  });

  it('the gradient is the transposed map (vector-Jacobian product against the dense matrix)', () => {
    for (const [boundary, o] of [
      [{ boundary: 'symmetric' as const }, { phases: 2, stride: 1, taps: 4 }],
      [
        { boundary: 'periodic' as const, period: 10 },
        { phases: 1, stride: 2, taps: 6 },
      ],
      [{ boundary: 'zero' as const }, { phases: 1, stride: 1, taps: 3, periodic: false }],
    ] as const) {
      const map = randomMap(7, 9, 8, o, boundary);
      const m = axisMapMatrix(map);
      const x = rng(8).normalTensor([1, 9, 2, 1]) as tf.Tensor4D;
      const r = rng(9).normalTensor([1, 8, 2, 1]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(applyAxisMap(t as tf.Tensor4D, map, 1), r)))(x);
      const rv = r.dataSync();
      const expected = new Float32Array(18);
      for (let j = 0; j < 9; j++)
        for (let col = 0; col < 2; col++)
          for (let i = 0; i < 8; i++) expected[j * 2 + col] += m[i * 9 + j] * rv[i * 2 + col];
      expect(maxDiff(g.dataSync(), expected)).toBeLessThan(1e-5);
      tf.dispose([x, r, g]);
    }
  });
});

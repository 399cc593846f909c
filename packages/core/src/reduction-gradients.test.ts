import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from './rng.js';
import { tf } from './tf.js';

/** Central finite differences of a scalar function at every element of x. */
function finiteDifferences(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): Float32Array {
  const values = x.dataSync().slice();
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const at = (d: number) => {
      const v = values.slice();
      v[i] += d;
      return tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]);
    };
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}

describe('Sum and Mean gradients', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([
    ['sum', [1, 2], false],
    ['mean', [0, 1, 2], false],
    ['mean', [1, 2], true],
    ['sum', [3], true],
    ['mean', -1, false],
  ] as const)('%s over axes %j (keepDims %s) matches finite differences', (op, axis, keepDims) => {
    const x = rng(1).normalTensor([2, 3, 4, 5]);
    const reduced = x.shape.length - (typeof axis === 'number' ? 1 : axis.length);
    const w = rng(2).normalTensor(
      keepDims ? x.shape.map((d, i) => (inAxis(axis, i, 4) ? 1 : d)) : shapeWithout(x.shape, axis),
    );
    expect(w.rank).toBe(keepDims ? 4 : reduced);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf[op](tf.square(t), axis as number[], keepDims), w)) as tf.Scalar;
    const g = tf.grad(f)(x);
    const expected = finiteDifferences(f, x);
    const got = g.dataSync();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i], 2);
    tf.dispose([x, w, g]);
  });

  it('second-order gradients flow through them (a gradient penalty on a mean)', () => {
    // f(x) = mean(x^3 w); its gradient is 3 x^2 w / n; the penalty sum(grad^2) has gradient 36 x^3 w^2 / n^2.
    const x = rng(3).normalTensor([3, 4]);
    const w = rng(4).normalTensor([3, 4]);
    const n = 12;
    const penalty = (t: tf.Tensor) =>
      tf.sum(tf.square(tf.grad((u: tf.Tensor) => tf.mean(tf.mul(tf.pow(u, 3), w)))(t))) as tf.Scalar;
    const g = tf.grad(penalty)(x);
    const [xv, wv, gv] = [x.dataSync(), w.dataSync(), g.dataSync()];
    for (let i = 0; i < n; i++) expect(gv[i]).toBeCloseTo((36 * xv[i] ** 3 * wv[i] ** 2) / n ** 2, 4);
    tf.dispose([x, w, g]);
  });

  it('leaks no tensors', () => {
    const x = rng(5).normalTensor([4, 6]);
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => tf.add(tf.mean(t, 0).sum(), tf.sum(t, 1, true).mean()) as tf.Scalar)(x);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

function inAxis(axis: number | readonly number[], i: number, rank: number): boolean {
  return typeof axis === 'number' ? (axis + rank) % rank === i : axis.includes(i);
}

function shapeWithout(shape: number[], axis: number | readonly number[]): number[] {
  return shape.filter((_, i) => !inAxis(axis, i, shape.length));
}

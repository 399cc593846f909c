import { InvalidImageError, rng, tf } from '@scalespace/core';
import { resize } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { bicubicDownsampleOperator } from './resize-operator.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

async function maxAbs(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const [v] = await d.data();
  d.dispose();
  return v;
}

async function dot(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.sum(tf.mul(a, b)));
  const [v] = await d.data();
  d.dispose();
  return v;
}

describe('bicubicDownsampleOperator', () => {
  it('is the antialiased bicubic resize, with an exact adjoint, a right inverse and a projection', async () => {
    const before = tf.memory().numTensors;
    const op = bicubicDownsampleOperator([24, 16, 2], 4);
    const r = rng(3);
    const x = r.normalTensor([2, 24, 16, 2]) as tf.Tensor4D;
    const m = r.normalTensor([2, 6, 4, 2]) as tf.Tensor4D;
    const ax = op.forward(x);
    const reference = resize(x, { height: 6, width: 4, method: 'bicubic' });
    expect(await maxAbs(ax, reference)).toBeLessThan(1e-5);
    // <A x, m> = <x, A^T m>
    const atm = op.transpose(m);
    const lhs = await dot(ax, m);
    expect(Math.abs(lhs - (await dot(x, atm)))).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    // A A^+ m = m, and the projection A^+ A is idempotent.
    const least = op.pseudoInverse(m);
    const back = op.forward(least);
    expect(await maxAbs(back, m)).toBeLessThan(1e-4);
    const p = op.project(x);
    const pp = op.project(p);
    expect(await maxAbs(pp, p)).toBeLessThan(1e-4);
    const up = await op.classic(ax);
    expect(up.shape).toEqual([2, 24, 16, 2]);
    tf.dispose([x, m, ax, reference, atm, least, back, p, pp, up]);
    op.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a factor that does not divide the image, saying what would fit', () => {
    expect(() => bicubicDownsampleOperator([30, 32, 1], 4)).toThrow(InvalidImageError);
    expect(() => bicubicDownsampleOperator([30, 32, 1], 4)).toThrow(/crop it to 28x32/);
    expect(() => bicubicDownsampleOperator([32, 32, 1], 1)).toThrow(/integer >= 2/);
  });
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchMatch } from './patch-match.js';
import { positionalEncoding } from './positional-encoding.js';
import { thinPlateSpline, tpsWarp } from './tps-warp.js';

describe('patchMatch (the internal prior)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('leaves an image made of the reference alone, and rebuilds others from reference patches only', () => {
    const before = tf.memory().numTensors;
    const r = rng(1);
    const ref = r.uniformTensor([1, 10, 12, 3]) as tf.Tensor4D;
    const same = patchMatch(ref, ref, { patchSize: 5, iterations: 1 });
    // Pixels at least two patch radii from the border are covered by whole patches only, which match themselves.
    const inner = (x: tf.Tensor4D) => tf.slice(x, [0, 4, 4, 0], [1, 2, 4, 3]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(inner(same), inner(ref)))).dataSync()[0])).toBeLessThan(1e-5);
    // A two-colour reference: every output pixel is an average of those two colours.
    const two = tf.tidy(() => tf.concat([tf.fill([1, 10, 6, 3], 0.2), tf.fill([1, 10, 6, 3], 0.8)], 2)) as tf.Tensor4D;
    const query = r.uniformTensor([2, 8, 8, 3]) as tf.Tensor4D;
    const out = patchMatch(query, two, { patchSize: 3 });
    expect(out.shape).toEqual([2, 8, 8, 3]);
    const [lo, hi] = tf.tidy(() => [tf.min(out).dataSync()[0], tf.max(out).dataSync()[0]]);
    expect(lo).toBeGreaterThanOrEqual(0.2 - 1e-5);
    expect(hi).toBeLessThanOrEqual(0.8 + 1e-5);
    tf.dispose([ref, same, two, query, out]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('thin-plate-spline warps', () => {
  it('interpolate the control values and reproduce affine maps exactly', () => {
    const controls: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [0.4, 0.6],
      [0.7, 0.2],
    ];
    const values = [0.3, -1, 2, 0.5, 1.5, -0.2];
    const f = thinPlateSpline(controls, values);
    for (const [i, [x, y]] of controls.entries()) expect(f(x, y)).toBeCloseTo(values[i], 9);
    const affine = thinPlateSpline(
      controls,
      controls.map(([x, y]) => 2 * x - 3 * y + 1),
    );
    expect(affine(0.25, 0.9)).toBeCloseTo(2 * 0.25 - 3 * 0.9 + 1, 9);
  });

  it('is the identity at scale 0 and moves pixels (but keeps the range) otherwise', async () => {
    const before = tf.memory().numTensors;
    const img = rng(2).uniformTensor([16, 20, 3]) as tf.Tensor3D;
    const same = await tpsWarp(img, { scale: 0, rng: rng(3) });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(same, img))).dataSync()[0])).toBeLessThan(1e-5);
    const warped = await tpsWarp(img, { scale: 0.1, rng: rng(3) });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(warped, img))).dataSync()[0])).toBeGreaterThan(0.05);
    expect(tf.tidy(() => tf.max(warped).dataSync()[0])).toBeLessThanOrEqual(1);
    tf.dispose([img, same, warped]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('positional encoding has 8 channels at any size', () => {
    const pe = positionalEncoding(5, 7);
    expect(pe.shape).toEqual([1, 5, 7, 8]);
    pe.dispose();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertMaskFits, blendMasked, dilateMask, MASK_DILATION } from './mask.js';

// Parity with the official SinGAN's dilate_mask (scripts/parity/singan/make_mask_fixture.py ran it for
// harmonisation and editing on a mask with hard and soft edges and pixels either side of the 8-bit threshold).
const fixture = decodeSafetensors(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mask', 'dilate-mask.safetensors')),
);
const plane = (name: string) => {
  const { values, shape } = fixture.tensors[name];
  return tf.tensor3d(values as Float32Array, [shape[0], shape[1], 1]);
};

describe('dilateMask', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([
    ['harmonize', MASK_DILATION.harmonize],
    ['edit', MASK_DILATION.edit],
  ] as const)('matches the official dilate_mask for %s (radius %i, sigma 5)', async (name, radius) => {
    const before = tf.memory().numTensors;
    const mask = plane('mask');
    const want = plane(name);
    const got = dilateMask(mask, { radius });
    expect(got.shape).toEqual(want.shape);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))));
    expect((await gap.data())[0]).toBeLessThan(1e-5);
    tf.dispose([mask, want, got, gap]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps an empty or full mask as it is, and refuses a mask of another shape', () => {
    const before = tf.memory().numTensors;
    const empty = tf.zeros([8, 8, 1]) as tf.Tensor3D;
    const full = tf.ones([8, 8, 1]) as tf.Tensor3D;
    const [a, b] = [dilateMask(empty, { radius: 2 }), dilateMask(full, { radius: 2 })];
    expect(Array.from(a.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(b.dataSync()).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    const rgb = tf.zeros([8, 8, 3]) as tf.Tensor3D;
    expect(() => dilateMask(rgb, { radius: 2 })).toThrow(/mask must be \[H, W, 1\], got \[8, 8, 3\]/);
    const image = tf.zeros([8, 10, 3]) as tf.Tensor3D;
    expect(() => assertMaskFits(empty, image)).toThrow(/the mask is 8x8 but the image is 10x8/);
    tf.dispose([empty, full, a, b, rgb, image]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('blends the output in where the mask is set and keeps the image elsewhere', async () => {
    const before = tf.memory().numTensors;
    const image = tf.fill([4, 6, 3], 0.25) as tf.Tensor3D;
    const out = tf.fill([1, 4, 6, 3], 0.75) as tf.Tensor4D;
    const mask = tf.tidy(() => tf.concat([tf.ones([4, 3, 1]), tf.zeros([4, 3, 1])], 1) as tf.Tensor3D);
    const blended = blendMasked(out, image, mask);
    const values = await blended.data();
    expect(values[0]).toBeCloseTo(0.75, 6);
    expect(values[(4 * 6 - 1) * 3]).toBeCloseTo(0.25, 6);
    expect(blendMasked(out, image, undefined)).toBe(out);
    tf.dispose([image, out, mask, blended]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

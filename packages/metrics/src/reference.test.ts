import { readFileSync } from 'node:fs';
import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { msSsim } from './ms-ssim.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';

interface Reference {
  images: Record<string, { shape: number[]; data: string }>;
  cases: Array<{ name: string; image: string; distorted: string; psnr: number; ssim: number; msSsim?: number }>;
}
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/ssim-reference.json', import.meta.url), 'utf8'),
) as Reference;

function decode(data: string, shape: number[]): tf.Tensor {
  const bytes = Buffer.from(data, 'base64');
  const full = shape.length === 2 ? [...shape, 1] : shape;
  return tf.tensor(Float32Array.from(bytes), full);
}

describe('PSNR, SSIM and MS-SSIM against scikit-image / Wang et al.', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = tf.memory().numTensors;
    const { shape, data } = reference.images[c.image];
    const a = decode(data, shape);
    const b = decode(c.distorted, shape);
    expect(await psnr(a, b, { dataRange: 255 })).toBeCloseTo(c.psnr, 4);
    expect(Math.abs((await ssim(a, b, { dataRange: 255 })) - c.ssim)).toBeLessThan(1e-4);
    if (c.msSsim !== undefined)
      expect(Math.abs((await msSsim(a, b, { dataRange: 255 })) - c.msSsim)).toBeLessThan(1e-4);
    // The same numbers on [0, 1] data with data range 1.
    const a1 = tf.div(a, 255);
    const b1 = tf.div(b, 255);
    expect(Math.abs((await ssim(a1, b1, { dataRange: 1 })) - c.ssim)).toBeLessThan(1e-4);
    tf.dispose([a, b, a1, b1]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

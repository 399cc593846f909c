import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, InvalidArgumentError, InvalidImageError, saveTensors, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apd } from './apd.js';
import { type LpipsNet, lpips, lpipsTensorShapes } from './lpips.js';

// No official LPIPS weights exist here. A synthetic state dict, generated from each tensor's name by the
// counter-based hash that fixtures/make-lpips-reference.py also implements, goes through the real loading
// path; the distances must match that script's independent NumPy (float64, NCHW) forward pass.

interface Case {
  net: LpipsNet;
  shape: [number, number, number, number];
  amplitudes: number[];
  perLayer: number[][];
  lpips: number[];
  tensors: Record<string, number[]>;
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/lpips-reference.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** u(name, i) in [0, 1), as make-lpips-reference.py: lowbias32 of a Weyl sequence seeded by the name. */
function uniform(name: string, n: number): Float64Array {
  const seed = fnv1a32(name);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = (seed + Math.imul(i, 0x9e3779b9)) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d) >>> 0;
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b) >>> 0;
    x ^= x >>> 16;
    out[i] = (x >>> 8) / 2 ** 24;
  }
  return out;
}

function syntheticStateDict(net: LpipsNet): Record<string, tf.Tensor> {
  const sd: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(lpipsTensorShapes(net))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const u = uniform(name, n);
    const values = new Float32Array(n);
    if (name.startsWith('lin')) values.set(u);
    else if (name.endsWith('.bias')) for (let i = 0; i < n; i++) values[i] = (2 * u[i] - 1) * 0.1;
    else {
      const bound = Math.sqrt(6 / (shape[1] * shape[2] * shape[3]));
      for (let i = 0; i < n; i++) values[i] = (2 * u[i] - 1) * bound;
    }
    sd[name] = tf.tensor(values, shape);
  }
  return sd;
}

function images(shape: number[], amplitudes: number[]): [tf.Tensor4D, tf.Tensor4D] {
  const n = shape.reduce((a, b) => a * b, 1);
  const per = n / shape[0];
  const ua = uniform('image/a', n);
  const ub = uniform('image/b', n);
  const a = new Float32Array(ua);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.min(1, Math.max(0, a[i] + amplitudes[Math.floor(i / per)] * (2 * ub[i] - 1)));
  return [
    tf.tensor4d(a, shape as [number, number, number, number]),
    tf.tensor4d(b, shape as [number, number, number, number]),
  ];
}

describe('LPIPS against a NumPy transcription, on synthetic weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpips-'));
  const files: Partial<Record<LpipsNet, string>> = {};
  beforeAll(async () => {
    await tf.setBackend('wasm');
    for (const net of ['alex', 'vgg'] as const) {
      const sd = syntheticStateDict(net);
      files[net] = join(dir, `${net}.safetensors`);
      await saveTensors(files[net], sd);
      tf.dispose(Object.values(sd));
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(reference.cases.map((c) => [c.net, c] as const))('%s: matches the reference to 1e-5', async (net, c) => {
    expect(lpipsTensorShapes(net)).toEqual(c.tensors);
    const before = tf.memory().numTensors;
    const d = await lpips({ weights: files[net] as string, net });
    expect(d.name).toBe(`lpips/${net}`);
    expect(d.layers).toHaveLength(5);
    const [a, b] = images(c.shape, c.amplitudes);
    const got = await d.perImage(a, b);
    const error = Math.max(...got.map((v, i) => Math.abs(v - c.lpips[i]) / c.lpips[i]));
    console.log(
      `lpips/${net}: got ${got.join(', ')}, NumPy ${c.lpips.join(', ')}, max relative error ${error.toExponential(2)}`,
    );
    expect(error).toBeLessThan(1e-5);
    // Identity, symmetry, the batch mean, and use inside apd.
    expect(await d.perImage(a, a)).toEqual([0, 0]);
    expect(await d.perImage(b, a)).toEqual(got);
    expect(await d(a, b)).toBeCloseTo((got[0] + got[1]) / 2, 10);
    const [a0, b0] = tf.tidy(() => [a, b].map((x) => tf.squeeze(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]), [0])));
    expect(Math.abs((await apd([a0, b0], { distance: d })) - got[0]) / got[0]).toBeLessThan(1e-5);
    tf.dispose([a, b, a0, b0]);
    d.dispose();
    await expect(d(a0, a0)).rejects.toThrow(/disposed/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lists every missing, misnamed and misshaped tensor', async () => {
    const sd = syntheticStateDict('alex');
    const bad: Record<string, tf.Tensor> = { ...sd };
    delete bad['net.slice1.0.bias'];
    bad['features.0.bias'] = sd['net.slice1.0.bias'];
    bad['net.slice3.6.weight'] = tf.zeros([384, 192, 5, 5]);
    bad['lin2.model.1.weight'] = tf.fill([1, 384, 1, 1], -1);
    const file = join(dir, 'bad.safetensors');
    await saveTensors(file, bad);
    const error = await lpips({ weights: file, net: 'alex' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    const message = (error as Error).message;
    expect(message).toMatch(/4 problems/);
    expect(message).toMatch(/missing net\.slice1\.0\.bias \[64\]/);
    expect(message).toMatch(/unexpected features\.0\.bias \[64\]/);
    expect(message).toMatch(/net\.slice3\.6\.weight has shape \[384, 192, 5, 5\], expected \[384, 192, 3, 3\]/);
    expect(message).toMatch(/lin2\.model\.1\.weight has negative weights/);
    // The VGG file is not AlexNet: every tensor differs.
    await expect(lpips({ weights: files.vgg as string, net: 'alex' })).rejects.toThrow(
      /missing net\.slice2\.3\.weight/,
    );
    tf.dispose([...Object.values(sd), bad['net.slice3.6.weight'], bad['lin2.model.1.weight']]);
  });

  it('accepts LPIPS buffers and dropout-free heads; rejects bad options and small images', async () => {
    const sd = syntheticStateDict('alex');
    const extra: Record<string, tf.Tensor> = { ...sd };
    extra['scaling_layer.shift'] = tf.tensor([-0.03, -0.088, -0.188], [1, 3, 1, 1]);
    extra['scaling_layer.scale'] = tf.tensor([0.458, 0.448, 0.45], [1, 3, 1, 1]);
    extra['lin0.model.0.weight'] = sd['lin0.model.1.weight'];
    delete extra['lin0.model.1.weight'];
    const file = join(dir, 'extra.safetensors');
    await saveTensors(file, extra);
    tf.dispose(Object.values(extra));
    const before = tf.memory().numTensors;
    const d = await lpips({ weights: file, net: 'alex' });
    const small = tf.zeros([30, 40, 3]);
    const grey = tf.fill([32, 32, 1], 0.5);
    const grey3 = tf.fill([32, 32, 3], 0.5);
    const other = tf.fill([32, 32, 3], 0.25);
    await expect(d(small, small)).rejects.toThrow(InvalidImageError);
    await expect(d(small, small)).rejects.toThrow(/at least 31x31/);
    expect(await d(grey, grey)).toBe(0);
    const g = tf.fill([32, 32, 1], 0.25);
    expect(await d(grey, g)).toBe(await d(grey3, other));
    tf.dispose([small, grey, grey3, other, g]);
    d.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(lpips({ weights: file, net: 'squeeze' as LpipsNet })).rejects.toThrow(InvalidArgumentError);
    await expect(lpips({ weights: '', net: 'alex' })).rejects.toThrow(/safetensors file/);
    await expect(lpips({ weights: join(dir, 'none.safetensors'), net: 'vgg' })).rejects.toThrow(/not found/);
  });
});

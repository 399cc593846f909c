import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, rng, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

let dir: string;
let photo: string;

describe('scalespace pyramid decompose / reconstruct', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'scalespace-pyr-'));
    photo = join(dir, 'in.png');
    // A smooth image with texture: 32x32 RGB.
    const r = rng(1);
    const img = tf.tidy(() => {
      const ys = tf.reshape(tf.range(0, 32), [32, 1, 1]);
      const xs = tf.reshape(tf.range(0, 32), [1, 32, 1]);
      const base = tf.add(tf.mul(tf.sin(tf.div(ys, 5)), 0.3), tf.mul(tf.cos(tf.div(xs, 7)), 0.3));
      return tf.clipByValue(tf.add(tf.add(base, 0.5), tf.mul(r.uniformTensor([32, 32, 3]), 0.1)), 0, 1);
    });
    await writeImage(photo, img);
    img.dispose();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['paired', ['--bits', '5']],
    ['lifting', ['--levels', '2']],
    ['wavelet', ['--wavelet', 'db2', '--mode', 'symmetric', '--levels', '2']],
    ['laplacian', ['--levels', '3']],
    ['gaussian', ['--levels', '3']],
  ])('%s: decomposes with entropies, reconstructs the image', async (kind, extra) => {
    const out = join(dir, kind);
    const dec = await run(['pyramid', 'decompose', photo, '--kind', kind, '--out', out, '--json', ...extra]);
    expect(dec.code).toBe(0);
    const report = JSON.parse(dec.stdout);
    expect(report.kind).toBe(kind);
    expect(report.levels.length).toBeGreaterThan(1);
    for (const l of report.levels) expect(l.entropyBits).toBeGreaterThanOrEqual(0);
    if (kind === 'paired' || kind === 'lifting') expect(report.maxReconstructionError).toBe(0);
    else expect(report.maxReconstructionError).toBeLessThan(1e-5);
    const files = await readdir(out);
    expect(files).toContain('mosaic.png');
    expect(files).toContain('levels.safetensors');
    const rebuilt = join(dir, `${kind}-rebuilt.png`);
    const rec = await run(['pyramid', 'reconstruct', out, '--out', rebuilt, '--json']);
    expect(rec.code).toBe(0);
    const a = await readImage(photo);
    const b = await readImage(rebuilt);
    // Paired at 5 bits keeps the 5 most significant bits: error below one 5-bit step.
    const tolerance = kind === 'paired' ? 8 / 255 + 1e-6 : 1 / 255 + 1e-6;
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeLessThanOrEqual(tolerance);
    tf.dispose([a, b]);
  });

  it('rejects an unknown kind with usage', async () => {
    const r = await run(['pyramid', 'decompose', photo, '--kind', 'steerable', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--kind must be one of');
  });
});

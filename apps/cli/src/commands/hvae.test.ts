import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, rng, tf, writeImage } from '@scalespace/core';
import { loadMnist32, lowResolution } from '@scalespace/hvae';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-hvae-'));
  // A very small 32x32 VD-VAE so the commands run in seconds.
  const config = {
    imageSize: 32,
    imageChannels: 1,
    width: 4,
    customWidths: '8:8,4:8,1:8',
    zdim: 2,
    numMixtures: 1,
    encBlocks: '32d4,8x1,8d2,4d4,1x1',
    decBlocks: '1x1,4m1,8m4,32m8',
  };
  await writeFile(join(dir, 'tiny.json'), JSON.stringify(config));
  const lr = tf.tidy(() => rng(1).uniformTensor([8, 8, 1]));
  await writeImage(join(dir, 'lr', 'digit.png'), lr);
  lr.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scalespace train vdvae / train cvdvae / sample / sr / analyze lowfreq', () => {
  it('trains a prior in split runs, samples it, trains CVDVAE on it, super-resolves and analyses it', async () => {
    const prior = join(dir, 'prior');
    const common = [
      '--data',
      'mnist',
      '--size',
      '32',
      '--config',
      join(dir, 'tiny.json'),
      '--steps',
      '4',
      '--batch',
      '4',
      '--checkpoint-every',
      '2',
    ];
    const first = await run(['train', 'vdvae', '--out', prior, ...common, '--stop-at', '2', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ steps: 2 });
    const again = await run(['train', 'vdvae', '--out', prior, ...common]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--resume/);
    const second = await run(['train', 'vdvae', '--out', prior, ...common, '--resume', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ steps: 2, skipped: 0 });

    const grid = join(dir, 'samples.png');
    const sampled = await run(['sample', prior, '--out', grid, '--n', '4', '--temperature', '0.5', '--json']);
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(JSON.parse(sampled.stdout)).toMatchObject({ kind: 'vdvae', n: 4, networkEvaluations: 1 });
    expect(existsSync(grid)).toBe(true);

    const sr = join(dir, 'sr');
    const trained = await run([
      'train',
      'cvdvae',
      '--prior',
      prior,
      '--scale',
      '4',
      '--k',
      '3',
      '--enc-blocks',
      '8x1,8d2,4d4,1x1',
      '--out',
      sr,
      '--steps',
      '2',
      '--batch',
      '4',
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({ steps: 2 });

    const outDir = join(dir, 'out');
    const up = await run([
      'sr',
      join(dir, 'lr', 'digit.png'),
      '--model',
      sr,
      '--samples',
      '3',
      '--temperature',
      '0.8',
      '--out',
      outDir,
      '--json',
    ]);
    expect(up.code, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout);
    expect(result.samples).toHaveLength(3);
    expect(result.lrPsnr).toHaveLength(3);
    expect(result.apdMse).toBeGreaterThan(0);
    expect(result.secondsPerSample).toBeGreaterThan(0);
    expect(existsSync(join(outDir, 'digit-grid.png'))).toBe(true);
    // Mode pixels are what reach the shipped model's LR-PSNR; sampled pixels add grain. A held-out test digit.
    const test = await loadMnist32('test');
    const digit = tf.tidy(() => {
      const x = tf.div(tf.tensor4d(test.data.subarray(0, 32 * 32), [1, 32, 32, 1], 'float32'), 255);
      return tf.squeeze(lowResolution(x, 4), [0]) as tf.Tensor3D;
    });
    await writeImage(join(dir, 'lr', 'mnist.png'), digit);
    digit.dispose();
    const byPixels = async (pixels: string) => {
      const args = ['sr', join(dir, 'lr', 'mnist.png'), '--model', 'cvdvae-mnist-x4', '--samples', '3'];
      const r = await run([...args, '--pixels', pixels, '--out', join(dir, pixels), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const lr: number[] = JSON.parse(r.stdout).lrPsnr;
      return lr.reduce((a, b) => a + b) / lr.length;
    };
    expect(await byPixels('mode')).toBeGreaterThan((await byPixels('sample')) + 1);
    const badPixels = await run([
      'sr',
      join(dir, 'lr', 'digit.png'),
      '--model',
      sr,
      '--pixels',
      'max',
      '--out',
      outDir,
    ]);
    expect(badPixels.code).toBe(2);
    expect(badPixels.stderr).toMatch(/--pixels must be mode or sample/);
    const wrongSize = await run(['sr', grid, '--model', sr, '--out', outDir]);
    expect(wrongSize.code).toBe(2);
    expect(wrongSize.stderr).toMatch(/super-resolves 8x8/);

    const plot = join(dir, 'lowfreq.svg');
    const lf = await run([
      'analyze',
      'lowfreq',
      sr,
      '--out',
      plot,
      '--codes',
      '2',
      '--samples',
      '2',
      '--factors',
      '1,4',
      '--json',
    ]);
    expect(lf.code, lf.stderr).toBe(0);
    const analysis = JSON.parse(lf.stdout);
    expect(analysis.ks).toEqual([0, 1, 2, 3, 4]);
    expect(analysis.u['4']).toHaveLength(5);
    expect(existsSync(plot)).toBe(true);
  });
});

describe('scalespace analyze lowfreq', () => {
  it('writes the chart as SVG, and as PNG through core (the same picture, rendered)', async () => {
    const args = (out: string) => ['analyze', 'lowfreq', 'vdvae-mnist', '--codes', '2', '--samples', '2', '--out', out];
    const svgRun = await run(args(join(dir, 'u.svg')));
    expect(svgRun.code, svgRun.stderr).toBe(0);
    const pngRun = await run([...args(join(dir, 'u.png')), '--json']);
    expect(pngRun.code, pngRun.stderr).toBe(0);
    const svg = await readFile(join(dir, 'u.svg'), 'utf8');
    const [, width, height] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    const png = await readImage(join(dir, 'u.png'), { channels: 4 });
    const darkest = png.min();
    const corner = png.slice([0, 0, 0], [1, 1, 4]);
    try {
      expect(png.shape).toEqual([Number(height), Number(width), 4]);
      // The white background, opaque, and the dark lines and text drawn on it.
      expect(Array.from(await corner.data())).toEqual([1, 1, 1, 1]);
      expect((await darkest.data())[0]).toBeLessThan(0.5);
    } finally {
      tf.dispose([png, darkest, corner]);
    }
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, writeImage } from '@scalespace/core';
import { syntheticImage } from '@scalespace/singan/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

describe('scalespace train singan / sample', () => {
  let dir: string;
  let image: string;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'scalespace-singan-cli-'));
    image = join(dir, 'texture.png');
    const img = syntheticImage(30, 40);
    await writeImage(image, img);
    img.dispose();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a tiny SinGAN, resumes it, and samples a grid at another size as JSON', async () => {
    const out = join(dir, 'model');
    const train = await run([
      'train',
      'singan',
      image,
      '--max-size',
      '40',
      '--iterations',
      '2',
      '--out',
      out,
      '--json',
    ]);
    expect(train.code).toBe(0);
    const trained = JSON.parse(train.stdout);
    expect(trained).toMatchObject({ out, method: 'singan', size: '40x30' });
    // A finished run resumes to a no-op and keeps its model.
    const again = await run(['train', 'singan', image, '--out', out, '--resume', '--json']);
    expect(again.code).toBe(0);
    const grid = join(dir, 'grid.png');
    const sample = await run(['sample', out, '--n', '3', '--size', '64x32', '--out', grid, '--json']);
    expect(sample.code).toBe(0);
    expect(JSON.parse(sample.stdout)).toMatchObject({ method: 'singan', n: 3, size: '64x32' });
    expect((await readFile(grid)).subarray(1, 4).toString()).toBe('PNG');
    const gif = join(dir, 'walk.gif');
    const anim = await run(['sample', out, '--frames', '3', '--out', gif]);
    expect(anim.code).toBe(0);
    expect((await readFile(gif)).subarray(0, 3).toString()).toBe('GIF');
  });

  it('explains bad input: unknown method, missing model, non-image file', async () => {
    const method = await run(['train', 'singan', image, '--method', 'gan', '--out', join(dir, 'x')]);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain('--method must be singan or petsgan');
    const missing = await run(['sample', join(dir, 'nothing'), '--out', join(dir, 'g.png')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no model directory');
    const notImage = await run(['train', 'singan', join(dir, 'grid.txt'), '--out', join(dir, 'y')]);
    expect(notImage.code).toBe(1);
    expect(notImage.stderr).toContain('InvalidImageError');
  });
});

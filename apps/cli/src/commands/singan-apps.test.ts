import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, tf, writeImage } from '@scalespace/core';
import { fixturePath } from '@scalespace/data';
import { syntheticImage } from '@scalespace/singan/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { run } from '../run-cli.test-helper.js';

// `scalespace singan harmonize|edit|paint|sr|animate` and `sample --gen-start-scale`, on a SinGAN trained here
// in a few iterations (and one trained with the SR recipe), then on the shipped singan-coffee model.

let dir: string;
const path = (...parts: string[]) => join(dir, ...parts);
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const isPng = async (file: string) => (await readFile(file)).subarray(1, 4).toString() === 'PNG';

/** A white box on black, [h, w, 1]. */
async function writeMask(file: string, h: number, w: number, box: [number, number, number, number]) {
  const [top, left, bh, bw] = box;
  const mask = tf.tidy(() =>
    tf.pad(tf.ones([bh, bw, 1]), [
      [top, h - top - bh],
      [left, w - left - bw],
      [0, 0],
    ]),
  );
  await writeImage(file, mask as tf.Tensor3D);
  mask.dispose();
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-singan-apps-'));
  const image = syntheticImage(32, 40);
  await writeImage(path('scene.png'), image);
  // A collage: the scene with a patch of its own top-left corner pasted at the bottom right.
  const collage = tf.tidy(() => {
    const patch = tf.slice(image, [0, 0, 0], [10, 12, 3]);
    const pasted = tf.pad(patch, [
      [20, 2],
      [26, 2],
      [0, 0],
    ]);
    const where = tf.pad(tf.ones([10, 12, 1]), [
      [20, 2],
      [26, 2],
      [0, 0],
    ]);
    return tf.add(tf.mul(image, tf.sub(1, where)), tf.mul(pasted, where)) as tf.Tensor3D;
  });
  await writeImage(path('collage.png'), collage);
  tf.dispose([image, collage]);
  await writeMask(path('mask.png'), 32, 40, [20, 26, 10, 12]);
  await writeMask(path('small-mask.png'), 16, 20, [5, 5, 4, 4]);
  await writeImage(path('empty-mask.png'), tf.zeros([32, 40, 1]) as tf.Tensor3D);
  await writeFile(
    path('tiny.json'),
    JSON.stringify({ minSize: 16, channels: 8, maxChannels: 8, dSteps: 1, gSteps: 1, lr: 0.002 }),
  );
  const train = (out: string, ...extra: string[]) =>
    run([
      'train',
      'singan',
      path('scene.png'),
      '--max-size',
      '40',
      '--config',
      path('tiny.json'),
      '--out',
      out,
      '--json',
      ...extra,
    ]);
  expect((await train(path('model'), '--iterations', '6')).code).toBe(0);
  // The SR recipe: scales 2^(1/3) apart (adjusted to the image), reconstruction weight 100, coarsest side 18.
  await writeFile(
    path('tiny-sr.json'),
    JSON.stringify({ channels: 8, maxChannels: 8, dSteps: 1, gSteps: 1, lr: 0.002 }),
  );
  const sr = await run([
    'train',
    'singan',
    path('scene.png'),
    '--max-size',
    '40',
    '--iterations',
    '4',
    '--sr-factor',
    '2',
    '--config',
    path('tiny-sr.json'),
    '--out',
    path('sr-model'),
    '--json',
  ]);
  expect(sr.code, sr.stderr).toBe(0);
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scalespace singan applications on a model trained here', () => {
  it('harmonize: re-synthesises inside the dilated mask and keeps the image elsewhere', async () => {
    const before = tf.memory().numTensors;
    const r = await run([
      'singan',
      'harmonize',
      path('model'),
      path('collage.png'),
      '--mask',
      path('mask.png'),
      '--start-scale',
      '1',
      '--out',
      path('h.png'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({
      command: 'harmonize',
      method: 'singan',
      startScale: 1,
      dilate: 7,
      blur: 5,
      size: '40x32',
    });
    const [out, collage] = [await readImage(path('h.png')), await readImage(path('collage.png'))];
    // The top-left corner is far from the mask (its dilation and blur reach about 7 + 20 px): unchanged.
    const gap = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(tf.slice(out, [0, 0, 0], [4, 4, 3]), tf.slice(collage, [0, 0, 0], [4, 4, 3])))),
    );
    expect((await gap.data())[0]).toBeLessThanOrEqual(1 / 255 + 1e-6);
    const inside = tf.tidy(() =>
      tf.mean(tf.abs(tf.sub(tf.slice(out, [22, 28, 0], [6, 8, 3]), tf.slice(collage, [22, 28, 0], [6, 8, 3])))),
    );
    expect((await inside.data())[0]).toBeGreaterThan(0);
    tf.dispose([out, collage, gap, inside]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('edit and paint write their outputs (several seeds as a grid)', async () => {
    const edit = await run([
      'singan',
      'edit',
      path('model'),
      path('collage.png'),
      '--mask',
      path('mask.png'),
      '--out',
      path('e.png'),
      '--json',
    ]);
    expect(edit.code, edit.stderr).toBe(0);
    expect(json(edit)).toMatchObject({ command: 'edit', dilate: 20, startScale: 2 });
    const paint = await run([
      'singan',
      'paint',
      path('model'),
      path('collage.png'),
      '--start-scale',
      '3',
      '--n',
      '2',
      '--seed',
      '5',
      '--out',
      path('p.png'),
      '--json',
    ]);
    expect(paint.code, paint.stderr).toBe(0);
    expect(json(paint)).toMatchObject({ command: 'paint', n: 2, seed: 5, startScale: 3 });
    expect(await isPng(path('p.png'))).toBe(true);
  });

  it('sample --gen-start-scale keeps the layout: two seeds differ less than free samples', async () => {
    const grids = [];
    for (const extra of [[], ['--gen-start-scale', '3']]) {
      const r = await run([
        'sample',
        path('model'),
        '--n',
        '2',
        '--out',
        path(`g${extra.length}.png`),
        '--json',
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      grids.push(await readImage(path(`g${extra.length}.png`)));
    }
    const spread = (g: tf.Tensor3D) =>
      tf.tidy(
        () =>
          tf
            .mean(tf.squaredDifference(tf.slice(g, [0, 0, 0], [32, 40, 3]), tf.slice(g, [0, 42, 0], [32, 40, 3])))
            .dataSync()[0],
      );
    expect(spread(grids[1])).toBeLessThan(spread(grids[0]));
    tf.dispose(grids);
    const bad = await run(['sample', path('model'), '--gen-start-scale', '4', '--out', path('g.png')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--gen-start-scale must be an integer in [0, 3], got "4"');
  });

  it('sr upscales with a model trained for the factor and explains one that is not', async () => {
    const r = await run(['singan', 'sr', path('sr-model'), '--factor', '2', '--out', path('sr.png'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ command: 'sr', factor: 2, recipe: 'sr', size: '80x64' });
    const other = await run(['singan', 'sr', path('model'), '--factor', '1.41', '--out', path('sr2.png')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/x1.41 is not a whole number of its steps.*--sr-factor 1.41/);
  });

  it('animate writes a GIF from a start scale', async () => {
    const r = await run([
      'singan',
      'animate',
      path('model'),
      '--frames',
      '3',
      '--start-scale',
      '2',
      '--out',
      path('a.gif'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ command: 'animate', frames: 3, startScale: 2, size: '40x32' });
    expect((await readFile(path('a.gif'))).subarray(0, 3).toString()).toBe('GIF');
  });

  it('refuses bad input in one line: mask size, empty mask, start scale, missing mask, and stops on Ctrl-C', async () => {
    const base = ['singan', 'harmonize', path('model'), path('collage.png'), '--out', path('x.png')];
    const size = await run([...base, '--mask', path('small-mask.png')]);
    expect(size.code).toBe(1);
    expect(size.stderr).toMatch(/--mask is 20x16 but IMAGE is 40x32; give a mask of the image's size/);
    const empty = await run([...base, '--mask', path('empty-mask.png')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/marks nothing/);
    const scale = await run([...base, '--mask', path('mask.png'), '--start-scale', '9']);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--start-scale must be an integer in [1, 3], got "9"');
    const missing = await run(base);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--mask is required');
    const controller = new AbortController();
    controller.abort(new Error('interrupted by SIGINT'));
    let stderr = '';
    const code = await main(['singan', 'paint', path('model'), path('collage.png'), '--out', path('x.png')], {
      stdout: { write: () => true },
      stderr: { write: (s) => (stderr += s) },
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/aborted/);
  });

  it('--help describes every option', async () => {
    for (const name of ['harmonize', 'edit', 'paint', 'sr', 'animate']) {
      const r = await run(['singan', name, '--help']);
      expect(r.code).toBe(0);
      for (const option of r.stdout.split('\n')[0].match(/--[a-z-]+/g) ?? [])
        expect(r.stdout, `${name} ${option}`).toContain(`  ${option} `);
    }
  });
});

describe('scalespace singan applications on a PetsGAN model', () => {
  it('paints from an injection scale of its own range, and refuses what it has no scales for', async () => {
    const scene = syntheticImage(64);
    await writeImage(path('scene64.png'), scene);
    scene.dispose();
    const config = {
      ganBatch: 2,
      jointIterations: 1,
      generatorChannels: 4,
      criticChannels: 4,
      restorationChannels: 8,
      patchCriticChannels: 4,
      patchCriticBranches: 1,
      jointCrop: 32,
      augmentations: 2,
      copies: 2,
    };
    await writeFile(path('pets.json'), JSON.stringify(config));
    const out = path('pets');
    const train = await run([
      'train',
      'singan',
      path('scene64.png'),
      '--method',
      'petsgan',
      '--max-size',
      '64',
      '--iterations',
      '3',
      '--config',
      path('pets.json'),
      '--out',
      out,
      '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const paint = await run([
      'singan',
      'paint',
      out,
      path('scene64.png'),
      '--start-scale',
      '1',
      '--out',
      path('pp.png'),
      '--json',
    ]);
    expect(paint.code, paint.stderr).toBe(0);
    expect(json(paint)).toMatchObject({
      method: 'petsgan',
      startScale: 1,
      scales: { min: 1, max: 3, default: 3 },
      size: '64x64',
    });
    const sr = await run(['singan', 'sr', out, '--factor', '2', '--out', path('psr.png')]);
    expect(sr.code).toBe(1);
    expect(sr.stderr).toContain("this PetsGAN model's restoration network upscales by x8 only; use --factor 8");
    const start = await run(['sample', out, '--gen-start-scale', '1', '--out', path('pg.png')]);
    expect(start.code).toBe(2);
    expect(start.stderr).toContain('--gen-start-scale applies to SinGAN models');
  });
});

describe('scalespace singan applications on the shipped singan-coffee model', () => {
  it('harmonize, edit, paint, sr and animate run on it', async () => {
    const coffee = fixturePath('coffee');
    await writeMask(path('coffee-mask.png'), 128, 192, [40, 60, 40, 50]);
    const cases = [
      ['harmonize', coffee, '--mask', path('coffee-mask.png'), '--out', path('c-h.png')],
      ['edit', coffee, '--mask', path('coffee-mask.png'), '--start-scale', '4', '--out', path('c-e.png')],
      ['paint', coffee, '--start-scale', '2', '--out', path('c-p.png')],
      ['sr', '--factor', '2', '--out', path('c-sr.png')],
      ['animate', '--frames', '2', '--out', path('c-a.gif')],
    ];
    for (const [name, ...rest] of cases) {
      const r = await run(['singan', name, 'singan-coffee', ...rest, '--json']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(json(r).size).toBe(name === 'sr' ? '256x170' : '128x85');
    }
  });
});

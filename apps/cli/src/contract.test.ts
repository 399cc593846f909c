import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, rng, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './run-cli.test-helper.js';
import { CommandScope } from './scope.js';

// What the CLI promises whatever the command: an --out holding a run is never overwritten silently,
// numbers are read strictly, options a model does not use are refused, config files are checked.

const models = new URL('../../../models/', import.meta.url).pathname;
const shipped = (name: string) => join(models, name, 'weights');

let dir: string;
const path = (...parts: string[]) => join(dir, ...parts);

beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-contract-'));
  const r = rng(5);
  for (const name of ['photos/a.png', 'photos/b.png']) {
    const image = tf.tidy(() => r.uniformTensor([20, 20, 1]));
    await writeImage(path(name), image);
    image.dispose();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const train = (out: string, ...extra: string[]) => [
  'train',
  'pixelcnn',
  '--data',
  `folder:${path('photos')}`,
  '--size',
  '8',
  '--bits',
  '3',
  '--batch',
  '2',
  '--out',
  out,
  '--json',
  ...extra,
];

describe('an --out that holds a run', () => {
  it('is refused without --resume or --force; --force starts over; the log is never cut', async () => {
    const out = path('run');
    expect((await run(train(out, '--steps', '4', '--checkpoint-every', '2'))).code).toBe(0);
    const log = await readFile(join(out, 'log.jsonl'), 'utf8');
    const again = await run(train(out, '--steps', '2'));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a training run; pass --resume to continue it, --force to start over/);
    expect(await readFile(join(out, 'log.jsonl'), 'utf8')).toBe(log);
    const other = await run(train(out, '--steps', '6', '--seed', '3', '--resume'));
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/different config or data \(training.seed: 0 -> 3\)/);
    const forced = await run(train(out, '--steps', '2', '--force'));
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readFile(join(out, 'log.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });
});

describe('strict options', () => {
  it.each([
    [['--sigma', ''], /--sigma must be a number in \[0, 255\], got ""/],
    [['--sigma', '0x10'], /got "0x10"/],
    [['--sigma', 'NaN'], /got "NaN"/],
    [['--seed', '1e3'], /--seed must be an integer/],
  ])('denoise %j is a usage error', async (args, pattern) => {
    const r = await run(['denoise', path('photos', 'a.png'), '--model', 'flat-rf43', '--out', path('d.png'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });

  it('sample refuses the options a model does not use', async () => {
    const singan = await run(['sample', shipped('singan-coffee'), '--temperature=-1', '--out', path('g.png')]);
    expect(singan.code).toBe(2);
    expect(singan.stderr).toMatch(
      /--temperature: singan\/petsgan models do not use it \(they read --size, --frames and --gen-start-scale\)/,
    );
    const pp = await run([
      'sample',
      shipped('pixelpyramids-mnist'),
      '--size',
      '64x64',
      '--frames',
      '3',
      '--out',
      path('g.png'),
    ]);
    expect(pp.code).toBe(2);
    expect(pp.stderr).toMatch(/--size and --frames: pixelcnn\/pixelpyramids models do not use it/);
    const vdvae = await run(['sample', shipped('vdvae-mnist'), '--size', '64x64', '--out', path('g.png')]);
    expect(vdvae.code).toBe(2);
    expect(vdvae.stderr).toMatch(/--size: vdvae models do not use it/);
    const nan = await run(['sample', shipped('vdvae-mnist'), '--temperature', 'NaN', '--out', path('g.png')]);
    expect(nan.code).toBe(2);
  });
});

describe('config files', () => {
  it('--config: missing, not JSON, unknown or invalid fields, each naming the file', async () => {
    await writeFile(path('bad.json'), '{bad');
    await writeFile(path('typo.json'), JSON.stringify({ imageSize: 32, widht: 4 }));
    await writeFile(
      path('neg.json'),
      JSON.stringify({ imageSize: 32, encBlocks: '32x1', decBlocks: '32x1', zdim: -1 }),
    );
    for (const [file, pattern] of [
      ['missing.json', /ConfigError: --config ".*missing.json" does not exist/],
      ['bad.json', /ConfigError: --config ".*bad.json" is not valid JSON/],
      ['typo.json', /ConfigError: ".*typo.json": unknown field "widht"/],
      ['neg.json', /ConfigError: ".*neg.json": VD-VAE config: zdim must be a positive integer, got -1/],
    ] as const) {
      const r = await run(['train', 'vdvae', '--config', path(file), '--out', path('v'), '--steps', '1', '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a model folder whose config.json is broken is named as such by every command', async () => {
    for (const name of ['denoiser-flat-rf43', 'cvdvae-mnist-x4', 'pixelpyramids-mnist']) {
      await cp(shipped(name), path(name), { recursive: true });
      await writeFile(path(name, 'config.json'), '{"kind": ');
    }
    const broken = /config.json" is not valid JSON/;
    const checks = [
      ['denoise', path('photos', 'a.png'), '--model', path('denoiser-flat-rf43'), '--out', path('x.png')],
      ['eval', 'nll', path('pixelpyramids-mnist'), '--data', `folder:${path('photos')}`, '--limit', '1'],
      ['sample', path('pixelpyramids-mnist'), '--out', path('x.png')],
      ['sr', path('photos', 'a.png'), '--model', path('cvdvae-mnist-x4'), '--out', path('x')],
      ['analyze', 'lowfreq', path('cvdvae-mnist-x4'), '--out', path('x.svg')],
    ];
    for (const argv of checks) {
      const r = await run([...argv, '--json']);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toMatch(broken);
    }
  });
});

describe('denoise of a photo larger than the memory budget', () => {
  it('tiles it, and the result matches the whole-image one', async () => {
    const image = tf.tidy(() => tf.clipByValue(tf.add(0.5, rng(2).normalTensor([150, 170, 1], { std: 0.2 })), 0, 1));
    await writeImage(path('big.png'), image);
    image.dispose();
    const whole = await run([
      'denoise',
      path('big.png'),
      '--model',
      'denoiser-flat-rf43',
      '--out',
      path('whole.png'),
      '--json',
    ]);
    expect(JSON.parse(whole.stdout)).toMatchObject({ tiles: 1 });
    process.env.SCALESPACE_MEMORY_BUDGET = '8M';
    try {
      const tiled = await run([
        'denoise',
        path('big.png'),
        '--model',
        'denoiser-flat-rf43',
        '--out',
        path('tiled.png'),
        '--json',
      ]);
      expect(tiled.code, tiled.stderr).toBe(0);
      expect(JSON.parse(tiled.stdout).tiles).toBeGreaterThan(1);
    } finally {
      delete process.env.SCALESPACE_MEMORY_BUDGET;
    }
    const [a, b] = [await readImage(path('whole.png')), await readImage(path('tiled.png'))];
    // 8-bit files: equal up to one grey level.
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeLessThanOrEqual(1 / 255 + 1e-6);
    tf.dispose([a, b]);
  });
});

describe('CommandScope', () => {
  it('moves outputs into place on success, removes them and its folders on failure; the first error wins', async () => {
    const ok = new CommandScope();
    const file = await ok.output(path('scope', 'ok.txt'));
    await writeFile(file, 'done');
    expect(await ok.finish()).toBeUndefined();
    expect(await readFile(path('scope', 'ok.txt'), 'utf8')).toBe('done');

    const failed = new CommandScope();
    await writeFile(await failed.output(path('scope', 'ok.txt')), 'half');
    await writeFile(await failed.output(path('fresh', 'deep', 'x.txt')), 'half');
    const first = new Error('the real failure');
    failed.defer(() => {
      throw new Error('dispose after a crash');
    });
    expect(await failed.finish(first)).toBe(first);
    // The earlier output is untouched, the new folder gone.
    expect(await readFile(path('scope', 'ok.txt'), 'utf8')).toBe('done');
    await expect(readFile(path('fresh', 'deep', 'x.txt'))).rejects.toThrow();
    await expect(readFile(path('fresh'))).rejects.toThrow(/ENOENT/);
  });
});

import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTensors, rng, saveTensors, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';
import { run } from './run-cli.test-helper.js';

// Every command's failure path, in one process as a long-lived caller of main() would run them: each
// fails with one line (no stack), leaves no tensor behind and no file or folder it created.

const models = new URL('../../../models/', import.meta.url).pathname;
const shipped = (name: string) => join(models, name, 'weights');

let dir: string;
let inTheWay: string;
const path = (...parts: string[]) => join(dir, ...parts);

beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-failures-'));
  const r = rng(3);
  for (const [name, side] of [
    ['photos/a.png', 24],
    ['photos/b.png', 24],
    ['small.png', 16],
    ['odd/c.png', 25],
  ] as const) {
    const image = tf.tidy(() => r.uniformTensor([side, side, 1]));
    await writeImage(path(name), image);
    image.dispose();
  }
  inTheWay = path('a-file');
  await writeFile(inTheWay, 'not a folder');
  // A denoiser whose weights hold a NaN.
  await cp(shipped('denoiser-flat-rf43'), path('nan-model'), { recursive: true });
  const { tensors, metadata } = await loadTensors(path('nan-model', 'model.safetensors'));
  const live = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, tf.tensor(t.values, t.shape, t.dtype)]));
  const name = Object.keys(live).sort()[3];
  const values = (await live[name].data()).slice();
  values[0] = Number.NaN;
  live[name].dispose();
  live[name] = tf.tensor(values, tensors[name].shape);
  await saveTensors(path('nan-model', 'model.safetensors'), live, metadata);
  tf.dispose(Object.values(live));
  // A pyramid folder whose levels file lost its metadata.
  const level = tf.zeros([4, 4, 1]);
  await saveTensors(path('levels', 'levels.safetensors'), { level_0: level });
  await saveTensors(path('wavelet', 'levels.safetensors'), { lowpass: level }, { kind: 'wavelet' });
  level.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** [what, argv, exit code, stderr pattern, paths that must not exist afterwards]. */
const cases: Array<[string, () => string[], number, RegExp, () => string[]]> = [
  [
    'sr: a low-resolution image of the wrong size, after the model loaded',
    () => ['sr', path('small.png'), '--model', 'cvdvae-mnist-x4', '--out', path('sr-out')],
    2,
    /super-resolves 8x8 images/,
    () => [path('sr-out')],
  ],
  [
    'sample: a SinGAN sample larger than the memory budget, refused at once',
    () => ['sample', shipped('singan-coffee'), '--size', '4096x4096', '--out', path('s', 'grid.png')],
    1,
    /MemoryLimitError: 8 samples of 4096x4096 needs about .* the largest --size that fits is \d+x\d+/,
    () => [path('s')],
  ],
  [
    'sample: PixelPyramids, the output folder blocked by a file',
    () => ['sample', shipped('pixelpyramids-mnist'), '--n', '1', '--out', join(inTheWay, 'g.png')],
    1,
    /a file is in the way/,
    () => [],
  ],
  [
    'sample: VD-VAE, the output folder blocked by a file',
    () => ['sample', shipped('vdvae-mnist'), '--n', '2', '--out', join(inTheWay, 'g.png')],
    1,
    /a file is in the way/,
    () => [],
  ],
  [
    'denoise: a reference of another size, after model and image loaded',
    () => [
      'denoise',
      path('photos', 'a.png'),
      '--model',
      'flat-rf43',
      '--ref',
      path('small.png'),
      '--out',
      path('d', 'o.png'),
    ],
    2,
    /--ref is 16x16x1, the image 24x24x1/,
    () => [path('d')],
  ],
  [
    'denoise: weights holding NaN, refused at load naming the tensor',
    () => ['denoise', path('photos', 'a.png'), '--model', path('nan-model'), '--out', path('n.png')],
    1,
    /CheckpointError: .*tensor ".+" holds 1 NaN\/infinite value/,
    () => [path('n.png')],
  ],
  [
    'data preview: the output folder blocked by a file, after the images loaded',
    () => ['data', 'preview', 'fixtures', '--size', '32', '--n', '4', '--out', join(inTheWay, 'p.png')],
    1,
    /a file is in the way/,
    () => [],
  ],
  [
    'pyramid decompose: more levels than the image has, after it loaded',
    () => ['pyramid', 'decompose', path('small.png'), '--kind', 'lifting', '--levels', '30', '--out', path('pyr')],
    1,
    /Error: /,
    () => [path('pyr')],
  ],
  [
    'pyramid reconstruct: levels.safetensors without its metadata',
    () => ['pyramid', 'reconstruct', path('levels'), '--out', path('r.png')],
    1,
    /ConfigError: .*levels.safetensors" has no known pyramid kind/,
    () => [path('r.png')],
  ],
  [
    'pyramid reconstruct: a wavelet pyramid without its sizes',
    () => ['pyramid', 'reconstruct', path('wavelet'), '--out', path('r.png')],
    1,
    /metadata field "sizes" is missing/,
    () => [path('r.png')],
  ],
  [
    'eval nll: a bad --limit, read after the model loaded',
    () => ['eval', 'nll', shipped('pixelpyramids-mnist'), '--data', `folder:${path('odd')}`, '--limit', '0'],
    2,
    /--limit must be an integer/,
    () => [],
  ],
  [
    'eval sifid: a generated file that is not an image, after the real one was read',
    () => ['eval', 'sifid', path('photos', 'a.png'), inTheWay],
    1,
    /InvalidImageError: .*a-file/,
    () => [],
  ],
  [
    'analyze lowfreq: the output folder blocked by a file, after the analysis',
    () => [
      'analyze',
      'lowfreq',
      'vdvae-mnist',
      '--codes',
      '2',
      '--samples',
      '2',
      '--factors',
      '1',
      '--out',
      join(inTheWay, 'u.svg'),
    ],
    1,
    /a file is in the way/,
    () => [],
  ],
  [
    'train pixelcnn: --resume with nothing to resume, after the model was built',
    () => [
      'train',
      'pixelcnn',
      '--data',
      `folder:${path('photos')}`,
      '--size',
      '24',
      '--steps',
      '1',
      '--batch',
      '2',
      '--out',
      path('t1'),
      '--resume',
    ],
    2,
    /holds no training run to continue; drop --resume/,
    () => [path('t1')],
  ],
  [
    'train vdvae: --resume with nothing to resume',
    () => ['train', 'vdvae', '--steps', '1', '--out', path('t2'), '--resume'],
    2,
    /holds no training run to continue/,
    () => [path('t2')],
  ],
  [
    'singan harmonize: a mask of another size than the image, after the model loaded',
    () => [
      'singan',
      'harmonize',
      'singan-coffee',
      path('photos', 'a.png'),
      '--mask',
      path('small.png'),
      '--out',
      path('h.png'),
    ],
    1,
    /--mask is 16x16 but IMAGE is 24x24/,
    () => [path('h.png')],
  ],
  [
    "singan sr: a factor that is no whole number of the model's steps",
    () => ['singan', 'sr', 'singan-coffee', '--factor', '1.45', '--out', path('s', 'sr.png')],
    1,
    /x1.45 is not a whole number of its steps/,
    () => [path('s', 'sr.png')],
  ],
  [
    'singan paint: an injection scale out of range',
    () => ['singan', 'paint', 'singan-coffee', path('photos', 'a.png'), '--start-scale', '6', '--out', path('p.png')],
    2,
    /--start-scale must be an integer in \[1, 5\], got "6"/,
    () => [path('p.png')],
  ],
  [
    'train denoiser: --resume with nothing to resume, after the images loaded',
    () => ['train', 'denoiser', '--data', `folder:${path('photos')}`, '--steps', '1', '--out', path('t3'), '--resume'],
    2,
    /holds no training run to continue/,
    () => [path('t3')],
  ],
  [
    'train singan: --resume with nothing to resume, after the image loaded',
    () => ['train', 'singan', path('photos', 'a.png'), '--out', path('t4'), '--resume'],
    2,
    /holds no training run to continue/,
    () => [path('t4')],
  ],
  [
    'train cvdvae: --resume with nothing to resume, after the prior loaded',
    () => ['train', 'cvdvae', '--prior', shipped('vdvae-mnist'), '--k', '1', '--out', path('t5'), '--resume'],
    2,
    /holds no training run to continue/,
    () => [path('t5')],
  ],
];

describe('every command fails cleanly', () => {
  it.each(cases)('%s', async (_what, argv, code, pattern, absent) => {
    const before = tf.memory().numTensors;
    const result = await run([...argv(), '--json']);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toMatch(pattern);
    expect(result.stdout).toBe('');
    if (code === 1) {
      // One line, no stack.
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const p of absent()) expect(existsSync(p), p).toBe(false);
  });

  it('leaves no temporary file anywhere it wrote', async () => {
    const leftovers = (await readdir(dir, { recursive: true })).filter((f) => f.includes('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('shows the stack of an unexpected error with --debug only, still exit 1', async () => {
    await mkdir(path('broken'), { recursive: true });
    const level = tf.zeros([4, 4, 1]);
    // A laplacian pyramid without its residual: the reconstruction itself fails, unforeseen.
    await saveTensors(path('broken', 'levels.safetensors'), { band_0: level }, { kind: 'laplacian' });
    level.dispose();
    const argv = ['pyramid', 'reconstruct', path('broken'), '--out', path('b.png'), '--json'];
    const plain = await run(argv);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/--debug shows the stack/);
    let stderr = '';
    const code = await main([...argv, '--debug'], {
      stdout: { write: () => true },
      stderr: { write: (s) => (stderr += s) },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/\n\s+at /);
  });

  it('an interrupt stops sr between images with exit 130', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted by SIGINT'));
    let stderr = '';
    const code = await main(['sr', path('small.png'), '--model', 'cvdvae-mnist-x4', '--out', path('sr2'), '--json'], {
      stdout: { write: () => true },
      stderr: { write: (s) => (stderr += s) },
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/super-resolution aborted/);
    expect(existsSync(path('sr2'))).toBe(false);
  });
});

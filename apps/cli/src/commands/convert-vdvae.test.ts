import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, readImage, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

// The tiny official VD-VAE of scripts/parity/vdvae/make_fixtures.py (random weights, 8x8 RGB): convert, then the
// commands that load VD-VAE directories use it.
const REPO = join(import.meta.dirname, '..', '..', '..', '..');
const VDVAE = join(REPO, 'packages', 'hvae', 'fixtures', 'vdvae');
const TINY = join(VDVAE, 'tiny-model-ema.th');
const HPS = join(VDVAE, 'tiny-hps.json');
const KADKHODAIE = join(REPO, 'packages', 'denoisers', 'fixtures', 'kadkhodaie', 'tiny-flat');

let dir: string;
let images: string;
const parity = decodeSafetensors(readFileSync(join(VDVAE, 'parity.safetensors')));
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-convert-vdvae-'));
  // The two 8x8 photos the official ELBO was measured on.
  images = join(dir, 'images');
  await mkdir(images);
  const input = parity.tensors.input;
  for (let i = 0; i < 2; i++) {
    const image = tf.tidy(() => tf.div(tf.tensor3d(input.values.slice(i * 192, (i + 1) * 192), [8, 8, 3]), 255));
    await writeImage(join(images, `${i}.png`), image as tf.Tensor3D);
    image.dispose();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectNothingLeft(out: string) {
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir).filter((n) => n.includes('.converting-'))).toEqual([]);
}

describe('scalespace convert --from vdvae', () => {
  it('converts an official RUN-model-ema.th with --hps FILE; sample and eval nll then use it', async () => {
    const out = join(dir, 'tiny');
    const converted = await run(['convert', TINY, '--from', 'vdvae', '--hps', HPS, '--out', out, '--json']);
    expect(converted.code, converted.stderr).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({ from: 'vdvae', kind: 'vdvae', imageSize: 8, groups: 7 });
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);

    const grid = join(dir, 'samples.png');
    const sampled = await run(['sample', out, '--n', '4', '--temperature', '0.5', '--out', grid, '--json']);
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(JSON.parse(sampled.stdout)).toMatchObject({ kind: 'vdvae', n: 4, networkEvaluations: 1 });
    const image = await readImage(grid);
    expect(image.shape[2]).toBe(3);
    image.dispose();

    const evaluated = await run(['eval', 'nll', out, '--data', `folder:${images}`, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = JSON.parse(evaluated.stdout);
    expect(result).toMatchObject({ kind: 'vdvae', images: 2 });
    expect(result.reconstructionBpd + result.klBpd).toBeCloseTo(result.bitsPerDim, 5);
    // Other posterior draws than the official pass's, same images and network: the official 9.77 bits/dim up to
    // the spread of a 2-image ELBO estimate.
    const official = parity.tensors['cifar10.elbo'].values[0] / Math.LN2;
    console.log(
      `eval nll of the converted tiny VD-VAE: ${result.bitsPerDim.toFixed(4)} bits/dim (official pass ${official.toFixed(4)})`,
    );
    expect(Math.abs(result.bitsPerDim - official)).toBeLessThan(0.5);
  });

  it('converts the folder of a run (legacy format, DataParallel names) and the same network results', async () => {
    const run1 = join(dir, 'run');
    await mkdir(run1);
    await copyFile(join(VDVAE, 'tiny-model-ema-legacy.th'), join(run1, 'tiny-iter-10-model-ema.th'));
    const hps = JSON.parse(readFileSync(HPS, 'utf8'));
    const log = join(dir, 'log.jsonl');
    // The hyper-parameters as the official logger writes them, one hparam line each.
    await writeFile(
      log,
      Object.entries(hps)
        .map(([key, value]) => JSON.stringify({ time: 'Mon Jan 1 2024', type: 'hparam', key, value }))
        .join('\n'),
    );
    const out = join(dir, 'from-folder');
    const converted = await run(['convert', run1, '--from', 'vdvae', '--hps', log, '--out', out]);
    expect(converted.code, converted.stderr).toBe(0);
    const a = decodeSafetensors(readFileSync(join(dir, 'tiny', 'model.safetensors'))).tensors;
    const b = decodeSafetensors(readFileSync(join(out, 'model.safetensors'))).tensors;
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const name of Object.keys(a)) expect(Array.from(b[name].values), name).toEqual(Array.from(a[name].values));
  });

  it('gives one clear error for each bad input and leaves no output folder', async () => {
    const truncated = join(dir, 'truncated-model-ema.th');
    await writeFile(truncated, readFileSync(TINY).subarray(0, 60_000));
    const badJson = join(dir, 'bad.json');
    await writeFile(badJson, '{"width": 16,');
    const noCheckpoint = join(dir, 'no-checkpoint');
    await mkdir(noCheckpoint);
    await writeFile(join(noCheckpoint, 'log.jsonl'), '');
    const cases: [string[], number, RegExp][] = [
      [[TINY], 2, /--hps is required \(official checkpoints hold no hyper-parameters\)/],
      [[TINY, '--hps', 'ffhq'], 2, /--hps "ffhq" is neither an official hps set \(cifar10\|imagenet32/],
      [[TINY, '--hps', badJson], 1, /InvalidArgumentError: --hps ".*bad\.json": line 1 is not JSON/],
      [
        [TINY, '--hps', 'cifar10'],
        1,
        /CheckpointError: .*in_conv\.weight has shape \[16,3,3,3\].*\(width 384\): check --hps/,
      ],
      [[truncated, '--hps', HPS], 1, /CheckpointError: .*truncated/],
      [
        [join(KADKHODAIE, 'noise_range_0to255_RF_5x5', 'model.pt'), '--hps', HPS],
        1,
        /not an official VD-VAE.*check --from/,
      ],
      [[noCheckpoint, '--hps', HPS], 1, /holds no \.\.\.-model-ema\.th or \.\.\.-model\.th file/],
      [[TINY, '--hps', HPS, '--rf', '9'], 2, /--rf is not an option of --from vdvae/],
    ];
    for (const [args, code, pattern] of cases) {
      const out = join(dir, 'out');
      const result = await run(['convert', ...args, '--from', 'vdvae', '--out', out]);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^scalespace convert: /);
      expectNothingLeft(out);
    }
  });
});

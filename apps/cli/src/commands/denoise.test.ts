import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, rng, tf, writeImage } from '@scalespace/core';
import { loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-denoise-'));
  const r = rng(1);
  for (const name of ['a.png', 'b.png']) {
    const image = tf.tidy(() => tf.clipByValue(tf.add(0.5, r.normalTensor([24, 24, 1], { std: 0.2 })), 0, 1));
    await writeImage(join(dir, 'photos', name), image);
    image.dispose();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scalespace train denoiser / denoise', () => {
  const tiny = ['--depth', '3', '--width', '4', '--rf', '5', '--patch', '8', '--batch', '2', '--seed', '1'];

  it('trains in split runs (--stop-at, --resume), then denoises with --sigma and reports PSNR', async () => {
    const out = join(dir, 'model');
    const data = `folder:${join(dir, 'photos')}`;
    const first = await run([
      'train',
      'denoiser',
      '--data',
      data,
      '--out',
      out,
      ...tiny,
      '--steps',
      '4',
      '--stop-at',
      '2',
      '--json',
    ]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ startStep: 0, stepsRun: 2, images: 2 });
    const second = await run([
      'train',
      'denoiser',
      '--data',
      data,
      '--out',
      out,
      ...tiny,
      '--steps',
      '4',
      '--resume',
      '--json',
    ]);
    expect(JSON.parse(second.stdout)).toMatchObject({ startStep: 2, stepsRun: 2 });
    const image = join(dir, 'photos', 'a.png');
    const result = await run([
      'denoise',
      image,
      '--model',
      out,
      '--sigma',
      '25',
      '--out',
      join(dir, 'a-out.png'),
      '--json',
    ]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ evaluations: 1, sigma: 25 });
    expect(summary.psnr).toBeGreaterThan(0);
    expect(summary.psnrNoisy).toBeGreaterThan(20);
    expect(summary.psnrNoisy).toBeLessThan(21);
  });

  it('denoises with the shipped models by short name, the official flat RF 43 net by default', async () => {
    // A 32x32 crop of a CC0 photo (camera, grey).
    const photo = await readImage(join(REPO, 'packages', 'data', 'assets', 'photos', 'camera.png'), { channels: 1 });
    const image = join(dir, 'camera-crop.png');
    const crop = tf.slice(photo, [40, 80, 0], [32, 32, 1]);
    await writeImage(image, crop);
    tf.dispose([photo, crop]);
    const args = (...extra: string[]) => ['denoise', image, '--sigma', '50', '--out', join(dir, 'c.png'), ...extra];
    const byDefault = await run(args('--json'));
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(JSON.parse(byDefault.stdout).model).toMatchObject({ kind: 'flat', net: { rf: 43, width: 64 } });
    for (const [name, evaluations, levels] of [
      ['multiscale-rf9', 3, 2],
      ['multiscale320-rf13', 4, 3],
      ['denoiser-multiscale-rf13', 3, 2],
    ] as const) {
      const result = await run(args('--model', name, '--json'));
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ evaluations, model: { kind: 'multiscale', levels } });
      expect(summary.psnr).toBeGreaterThan(summary.psnrNoisy);
    }
  });

  it('trains a multi-scale model and explains bad arguments', async () => {
    const data = `folder:${join(dir, 'photos')}`;
    const ms = await run([
      'train',
      'denoiser',
      '--kind',
      'multiscale',
      '--levels',
      '2',
      '--lowpass-depth',
      '3',
      '--lowpass-width',
      '4',
      '--lowpass-rf',
      '5',
      '--data',
      data,
      '--out',
      join(dir, 'ms'),
      ...tiny,
      '--steps',
      '1',
      '--json',
    ]);
    expect(ms.code).toBe(0);
    expect(JSON.parse(ms.stdout).config).toMatchObject({ kind: 'multiscale', levels: 2, conditionalOutput: 'details' });
    // A second model reuses the first one's low-pass denoiser and trains only its conditionals.
    const msArgs = ['--kind', 'multiscale', '--levels', '2', '--lowpass-depth', '3', '--lowpass-width', '4'];
    const reuse = await run([
      'train',
      'denoiser',
      ...msArgs,
      '--lowpass-rf',
      '5',
      '--lowpass-from',
      join(dir, 'ms'),
      '--data',
      data,
      '--out',
      join(dir, 'ms-reuse'),
      ...tiny,
      '--steps',
      '2',
      '--json',
    ]);
    expect(reuse.code).toBe(0);
    const [first, second] = await Promise.all([loadDenoiser(join(dir, 'ms')), loadDenoiser(join(dir, 'ms-reuse'))]);
    const weights = (m: typeof first) =>
      Object.values((m as MultiscaleDenoiser).lowpass.stateDict()).map((v) => Array.from(v.dataSync()));
    expect(weights(second)).toEqual(weights(first));
    first.dispose();
    second.dispose();
    const mismatch = await run([
      'train',
      'denoiser',
      ...msArgs,
      '--lowpass-rf',
      '3',
      '--lowpass-from',
      join(dir, 'ms'),
      '--data',
      data,
      '--out',
      join(dir, 'ms-bad'),
      ...tiny,
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('pass the same --lowpass-* options');
    const flatSplit = await run(['train', 'denoiser', '--train', 'lowpass', '--data', data, '--out', join(dir, 'f')]);
    expect(flatSplit.code).toBe(2);
    expect(flatSplit.stderr).toContain('--train lowpass needs --kind multiscale');
    const badTrain = await run(['train', 'denoiser', '--train', 'some', '--data', data, '--out', join(dir, 'f')]);
    expect(badTrain.code).toBe(2);
    expect(badTrain.stderr).toContain('--train must be all, lowpass or conditionals, got "some"');
    const badKind = await run(['train', 'denoiser', '--kind', 'deep', '--data', data, '--out', join(dir, 'x')]);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind must be flat or multiscale');
    const noModel = await run([
      'denoise',
      join(dir, 'photos', 'a.png'),
      '--model',
      'nope',
      '--out',
      join(dir, 'o.png'),
    ]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('shipped: flat-rf5, multiscale-rf5, flat-rf9');
    const bigPatch = await run(['train', 'denoiser', '--data', 'mnist', '--out', join(dir, 'm')]);
    expect(bigPatch.code).toBe(2);
    expect(bigPatch.stderr).toContain('use --patch 32 or less');
  });

  it('trains on the MNIST training digits with --data mnist', async () => {
    const args = ['--patch', '16', '--batch', '4', '--steps', '2', '--rf', '5', '--depth', '3', '--width', '4'];
    const mnist = await run(['train', 'denoiser', '--data', 'mnist', ...args, '--out', join(dir, 'mnist'), '--json']);
    expect(mnist.code).toBe(0);
    expect(JSON.parse(mnist.stdout)).toMatchObject({ images: 60000, steps: 2 });
  });
});

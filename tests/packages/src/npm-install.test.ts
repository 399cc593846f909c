// What an npm user does: packed tarballs of core, pyramids, denoisers and one model package installed
// with plain npm into an empty folder (their dependencies from the registry), then an ESM and a
// CommonJS script that load the shipped weights and denoise a held-out photo. Prints the installed size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pack, run } from './pack.js';

const registry = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 30_000 });
const online = registry.status === 0;
if (!online) console.warn('npm install test SKIPPED: the npm registry does not answer `npm ping` here');

const app = mkdtempSync(join(tmpdir(), 'scalespace-npm-'));
afterAll(() => rmSync(app, { recursive: true, force: true }));

// Denoises the model's held-out photo with noise of sigma 25 added and prints the PSNRs as JSON.
const SCRIPT = (imports: string) => `${imports}
async function run() {
  await initBackend(undefined, { log: false });
  const clean = await readImage(fileURLToPath(heldOutPhotos.camera), { channels: 1 });
  const noisy = tf.tidy(() => tf.add(clean, rng(1).normalTensor(clean.shape, { std: 25 / 255 })));
  const model = await load();
  const { image } = await model.denoise(noisy);
  const mse = async (a) => (await tf.mean(tf.square(tf.sub(a, clean))).data())[0];
  const psnr = async (a) => -10 * Math.log10(await mse(a));
  const levels = pairedPyramid(tf.cast(tf.mul(clean, 255), 'int32'), { bits: 8, levels: 2 }).levels.length;
  console.log(JSON.stringify({ noisy: await psnr(noisy), denoised: await psnr(image), levels }));
}
run();
`;

describe.skipIf(!online)('a plain-npm install of packed tarballs', () => {
  beforeAll(async () => {
    const tarballs: string[] = [];
    for (const dir of ['packages/core', 'packages/pyramids', 'packages/denoisers', 'models/denoiser-flat-rf43']) {
      tarballs.push(await pack(dir, app));
    }
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: app });
  }, 600_000);

  it('runs an ESM script and a CommonJS script that give the same denoised PSNR', async () => {
    writeFileSync(
      join(app, 'esm.mjs'),
      SCRIPT(`import { fileURLToPath } from 'node:url';
import { initBackend, readImage, rng, tf } from '@scalespace/core';
import { pairedPyramid } from '@scalespace/pyramids';
import { heldOutPhotos, load } from '@scalespace/model-denoiser-flat-rf43';`),
    );
    writeFileSync(
      join(app, 'cjs.cjs'),
      SCRIPT(`const { fileURLToPath } = require('node:url');
const { initBackend, readImage, rng, tf } = require('@scalespace/core');
const { pairedPyramid } = require('@scalespace/pyramids');
const { heldOutPhotos, load } = require('@scalespace/model-denoiser-flat-rf43');`),
    );
    const script = async (file: string) =>
      JSON.parse((await run('node', [file], { cwd: app, encoding: 'utf8' })).stdout.trim().split('\n').pop() ?? '');
    const esm = await script('esm.mjs');
    const cjs = await script('cjs.cjs');
    expect(esm.levels).toBe(2);
    expect(esm.denoised).toBeGreaterThan(esm.noisy + 5);
    expect(cjs).toEqual(esm);
    const { stdout: du } = await run('du', ['-sb', join(app, 'node_modules')], { encoding: 'utf8' });
    const bytes = Number(du.split('\t')[0]);
    // Issue #22's budget for a denoiser-only install, tfjs included: 150 MB. With the tfjs umbrella package (layers,
    // converter, data and webgl in Node) it was 323 MiB; core now installs tfjs-core and the backends it runs on.
    console.log(
      `plain-npm install of core + pyramids + denoisers + a model: ${(bytes / 2 ** 20).toFixed(0)} MiB ` +
        `(${(bytes / 1e6).toFixed(0)} MB; budget 150 MB, was 323 MiB with the tfjs umbrella)`,
    );
    expect(bytes).toBeLessThan(150e6);
  });
});

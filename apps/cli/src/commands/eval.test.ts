import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, rng, tf, writeImage } from '@scalespace/core';
import { fixtureImages } from '@scalespace/data';
import { apd, brisque, fid, lrPsnr, msSsim, perceptualDistance, psnr, rgbToY, sifid, ssim } from '@scalespace/metrics';
import { degrade } from '@scalespace/pyramids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

let dir: string;
const path = (...parts: string[]) => join(dir, ...parts);

/** Reads a written file back, so expected values see the same 8-bit quantisation as the CLI. */
async function both(a: string, b: string): Promise<[tf.Tensor3D, tf.Tensor3D]> {
  return [await readImage(a), await readImage(b)];
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-eval-'));
  // astronaut: 192x192 RGB (MS-SSIM eligible); chelsea: 192x128 RGB (too small for MS-SSIM).
  const [astronaut, chelsea] = await fixtureImages({ names: ['astronaut', 'chelsea'], channels: 3 });
  const r = rng(7);
  const noisy = tf.tidy(() => tf.clipByValue(tf.add(astronaut, r.normalTensor(astronaut.shape, { std: 0.05 })), 0, 1));
  const blurred = tf.tidy(() => tf.squeeze(tf.avgPool(tf.expandDims(chelsea, 0) as tf.Tensor4D, 3, 1, 'same'), [0]));
  const low = tf.tidy(() => degrade(astronaut, { scale: 2 }));
  await writeImage(path('ref', 'astronaut.png'), astronaut);
  await writeImage(path('ref', 'chelsea.png'), chelsea);
  await writeImage(path('ref', 'only-ref.png'), chelsea);
  await writeImage(path('img', 'astronaut.png'), noisy);
  await writeImage(path('img', 'chelsea.png'), blurred);
  await writeImage(path('img', 'only-img.png'), blurred);
  await writeImage(path('low', 'astronaut.png'), low);
  for (const [i, std] of [0.02, 0.04, 0.06].entries()) {
    const sample = tf.tidy(() => tf.clipByValue(tf.add(astronaut, r.normalTensor(astronaut.shape, { std })), 0, 1));
    await writeImage(path('samples', `s${i}.png`), sample);
    sample.dispose();
  }
  // Two tiny folders for FID and a real/fake set for SIFID.
  for (const [folder, shift] of [
    ['fid-a', 0],
    ['fid-b', 0.3],
  ] as const) {
    for (const i of [0, 1]) {
      const crop = tf.tidy(() =>
        tf.clipByValue(tf.add(tf.slice(astronaut, [i * 64, 32, 0], [64, 64, 3]), shift * i), 0, 1),
      );
      await writeImage(path(folder, `${i}.png`), crop);
      crop.dispose();
    }
  }
  tf.dispose([astronaut, chelsea, noisy, blurred, low]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scalespace eval --ref --img', () => {
  it('a file against itself: PSNR Infinity (JSON string "Infinity"), SSIM and MS-SSIM 1', async () => {
    const file = path('ref', 'astronaut.png');
    const json = await run(['eval', '--ref', file, '--img', file, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.metrics).toEqual(['psnr', 'ssim', 'msSsim']);
    expect(report.psnr).toBe('Infinity');
    expect(Number(report.psnr)).toBe(Number.POSITIVE_INFINITY);
    expect(report.ssim).toBeCloseTo(1, 6);
    expect(report.msSsim).toBeCloseTo(1, 6);
    expect(report.images).toEqual([expect.objectContaining({ name: 'astronaut.png', psnr: 'Infinity' })]);
    const human = await run(['eval', '--ref', file, '--img', file]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/astronaut\.png\s+inf\s+1\.0000\s+1\.0000/);
  });

  it('equals the metrics functions called directly (rgb and --channel y)', async () => {
    const [ref, img] = [path('ref', 'astronaut.png'), path('img', 'astronaut.png')];
    const [x, r] = await both(img, ref);
    const rgb = JSON.parse((await run(['eval', '--ref', ref, '--img', img, '--json'])).stdout);
    expect(rgb.psnr).toBeCloseTo(await psnr(x, r, { dataRange: 1 }), 6);
    expect(rgb.ssim).toBeCloseTo(await ssim(x, r, { dataRange: 1 }), 6);
    expect(rgb.msSsim).toBeCloseTo(await msSsim(x, r, { dataRange: 1 }), 6);
    expect(rgb.psnr).toBeGreaterThan(20);
    expect(rgb.psnr).toBeLessThan(35);
    const y = JSON.parse(
      (await run(['eval', '--ref', ref, '--img', img, '--channel', 'y', '--metrics', 'psnr,ssim', '--json'])).stdout,
    );
    const [xy, ry] = [rgbToY(x), rgbToY(r)];
    expect(y.metrics).toEqual(['psnr', 'ssim']);
    expect(y.psnr).toBeCloseTo(await psnr(xy, ry, { dataRange: 1 }), 6);
    expect(y.ssim).toBeCloseTo(await ssim(x, r, { dataRange: 1, channel: 'y' }), 6);
    tf.dispose([x, r, xy, ry]);
  });

  it('pairs folders by file name, warns about the unpaired ones, and reports the mean', async () => {
    const args = ['eval', '--ref', path('ref'), '--img', path('img')];
    const json = await run([...args, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    // chelsea is 128 px high: MS-SSIM is left out of the default set.
    expect(report.metrics).toEqual(['psnr', 'ssim']);
    expect(report.images.map((i: { name: string }) => i.name)).toEqual(['astronaut.png', 'chelsea.png']);
    expect(report.unpaired).toEqual({ ref: ['only-ref.png'], img: ['only-img.png'] });
    const [x, r] = await both(path('img', 'chelsea.png'), path('ref', 'chelsea.png'));
    expect(report.images[1].ssim).toBeCloseTo(await ssim(x, r, { dataRange: 1 }), 6);
    tf.dispose([x, r]);
    expect(report.psnr).toBeCloseTo((report.images[0].psnr + report.images[1].psnr) / 2, 10);
    expect(json.stderr).toContain('only-img.png');
    const human = await run(args);
    expect(human.stdout).toMatch(/warning: in --img only: only-img\.png; in --ref only: only-ref\.png/);
    expect(human.stdout).toMatch(/^mean\s/m);
  });

  it('lr-psnr compares IMG downscaled with REF as the low-resolution input', async () => {
    const [img, low] = [path('ref', 'astronaut.png'), path('low', 'astronaut.png')];
    const result = await run(['eval', '--ref', low, '--img', img, '--metrics', 'lr-psnr', '--scale', '2', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const [x, l] = await both(img, low);
    expect(report.lrPsnr).toBeCloseTo(await lrPsnr(x, l, { scale: 2, dataRange: 1 }), 6);
    expect(report.lrPsnr).toBeGreaterThan(40); // only 8-bit rounding of the low-resolution file
    tf.dispose([x, l]);
    // The high-resolution reference is the wrong size for lr-psnr.
    const wrong = await run(['eval', '--ref', img, '--img', img, '--metrics', 'lr-psnr', '--scale', '2']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('96x96 low-resolution input');
  });

  it('brisque is no-reference: IMG alone (a folder here), equal to metrics brisque; with a reference too', async () => {
    const alone = await run(['eval', '--img', path('img'), '--metrics', 'brisque', '--json']);
    expect(alone.code).toBe(0);
    const report = JSON.parse(alone.stdout);
    expect(report.metrics).toEqual(['brisque']);
    expect(report.images.map((i: { name: string }) => i.name)).toEqual([
      'astronaut.png',
      'chelsea.png',
      'only-img.png',
    ]);
    for (const row of report.images) {
      const x = await readImage(path('img', row.name));
      expect(row.brisque).toBeCloseTo(await brisque(x), 6);
      x.dispose();
    }
    const [ref, img] = [path('ref', 'astronaut.png'), path('img', 'astronaut.png')];
    const withRef = JSON.parse(
      (await run(['eval', '--ref', ref, '--img', img, '--metrics', 'psnr,brisque', '--json'])).stdout,
    );
    expect(withRef.brisque).toBeCloseTo(report.images[0].brisque, 10);
    expect(withRef.psnr).toBeGreaterThan(20);
  });

  it('rejects bad calls and bad data with clear messages', async () => {
    const size = await run(['eval', '--ref', path('ref', 'astronaut.png'), '--img', path('img', 'chelsea.png')]);
    expect(size.code).toBe(1);
    expect(size.stderr).toMatch(/chelsea\.png is 192x128 RGB but .*astronaut\.png is 192x192 RGB/);
    const noRef = await run(['eval', '--img', path('img', 'chelsea.png')]);
    expect(noRef.code).toBe(2);
    expect(noRef.stderr).toContain('--ref is required');
    expect(noRef.stderr).toContain('Usage: scalespace eval');
    const unknown = await run(['eval', '--ref', path('ref'), '--img', path('img'), '--metrics', 'psnr,lpips']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown metric "lpips"');
    const noScale = await run(['eval', '--ref', path('low'), '--img', path('ref'), '--metrics', 'lr-psnr']);
    expect(noScale.code).toBe(2);
    expect(noScale.stderr).toContain('needs --scale');
    const small = await run(['eval', '--ref', path('ref'), '--img', path('img'), '--metrics', 'ms-ssim']);
    expect(small.code).toBe(1);
    expect(small.stderr).toContain('at least 161 px');
    const mixed = await run(['eval', '--ref', path('ref'), '--img', path('img', 'chelsea.png')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('both be files or both be folders');
  });

  it('--help explains lr-psnr and the JSON Infinity convention', async () => {
    const help = await run(['eval', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('REF taken as the low-resolution input');
    expect(help.stdout).toContain('"Infinity"');
  });
});

describe('scalespace eval apd / fid / sifid', () => {
  it('apd: equals metrics apd over the samples; one image is a usage error', async () => {
    const files = [0, 1, 2].map((i) => path('samples', `s${i}.png`));
    const result = await run(['eval', 'apd', ...files, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const images = await Promise.all(files.map((f) => readImage(f)));
    expect(report.apd).toBeCloseTo(await apd(images), 8);
    expect(report).toMatchObject({ distance: 'mse', samples: 3, pairs: 3 });
    const perceptual = await run(['eval', 'apd', ...files, '--distance', 'perceptual', '--json']);
    expect(perceptual.code).toBe(0);
    const pReport = JSON.parse(perceptual.stdout);
    const distance = await perceptualDistance();
    expect(pReport.apd).toBeCloseTo(await apd(images, { distance }), 6);
    distance.dispose();
    expect(pReport).toMatchObject({ distance: 'perceptual', trunk: 'inception-v3' });
    expect(pReport.note).toContain('not LPIPS');
    tf.dispose(images);
    const one = await run(['eval', 'apd', files[0]]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('at least 2 sample images, got 1');
    const sizes = await run(['eval', 'apd', files[0], path('ref', 'chelsea.png')]);
    expect(sizes.code).toBe(1);
    expect(sizes.stderr).toContain('the samples must have one size');
  });

  // One short run each (InceptionV3 on 2 + 2 tiny images); the first use converts nsfwjs's model into the cache.
  it('fid (with --kid) and sifid equal the metrics functions and carry the trunk note', async () => {
    const result = await run(['eval', 'fid', path('fid-a'), path('fid-b'), '--kid', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    const read = (folder: string) => Promise.all([0, 1].map((i) => readImage(path(folder, `${i}.png`))));
    const [a, b] = [await read('fid-a'), await read('fid-b')];
    expect(report.fid).toBeCloseTo(await fid(a, b), 3);
    expect(report.fid).toBeGreaterThan(0);
    expect(typeof report.kid).toBe('number');
    expect(report).toMatchObject({ trunk: 'inception-v3', images: { a: 2, b: 2 } });
    expect(report.note).toContain('not the official FID Inception weights');

    const fakes = [path('fid-a', '1.png'), path('fid-b', '1.png')];
    const s = await run(['eval', 'sifid', path('fid-a', '0.png'), ...fakes, '--json']);
    expect(s.code).toBe(0);
    const sReport = JSON.parse(s.stdout);
    expect(sReport.sifid).toBeCloseTo(await sifid(a[0], [a[1], b[1]]), 3);
    expect(sReport.images.map((i: { name: string }) => i.name)).toEqual(['1.png', '1.png']);
    expect(sReport.note).toContain('nsfwjs');
    tf.dispose([...a, ...b]);

    const human = await run(['eval', 'sifid', path('fid-a', '0.png'), path('fid-a', '0.png')]);
    expect(human.stdout).toContain('not the official FID Inception weights');
    const few = await run(['eval', 'fid', path('fid-a'), path('low')]);
    expect(few.code).toBe(2);
    expect(few.stderr).toContain('needs at least 2 per folder');
  });
});

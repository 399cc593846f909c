import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');
const KADKHODAIE = join(REPO, 'packages', 'denoisers', 'fixtures', 'kadkhodaie');
const FLAT_RF13 = join(KADKHODAIE, 'official', 'flat', 'noise_range_0to255_RF_13x13', 'model.pt');

let dir: string;
let photo: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-convert-'));
  // A 96x96 crop of a CC0 photo (camera.png, grey) to denoise.
  const image = await readImage(join(REPO, 'packages', 'data', 'assets', 'photos', 'camera.png'), { channels: 1 });
  const crop = tf.slice(image, [40, 48, 0], [96, 96, 1]);
  photo = join(dir, 'photo.png');
  await writeImage(photo, crop);
  tf.dispose([image, crop]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Nothing of a failed conversion is left: neither DIR nor its temporary sibling. */
function expectNothingLeft(out: string) {
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir).filter((n) => n.includes('.converting-'))).toEqual([]);
}

describe('scalespace convert', () => {
  it('lists the families and the layouts they accept', async () => {
    const { code, stdout } = await run(['convert', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--from kadkhodaie/);
    expect(stdout).toMatch(/kadkhodaie +a flat BF-CNN model\.pt .*_scale_<j>\s+and \.\.\._low folders/s);
  });

  it('converts the official flat RF 13 model.pt, which denoise then uses', async () => {
    const out = join(dir, 'flat-rf13');
    const converted = await run(['convert', FLAT_RF13, '--from', 'kadkhodaie', '--out', out, '--json']);
    expect(converted.code, converted.stderr).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({
      from: 'kadkhodaie',
      config: { kind: 'flat', channels: 1, net: { depth: 21, width: 64, rf: 13, linearFirstLayer: true } },
    });
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);
    const denoised = await run([
      'denoise',
      photo,
      '--model',
      out,
      '--sigma',
      '25',
      '--out',
      join(dir, 'denoised.png'),
      '--json',
    ]);
    expect(denoised.code, denoised.stderr).toBe(0);
    const summary = JSON.parse(denoised.stdout);
    // The official network trained on CelebA faces removes most of the noise from a photo it never saw.
    expect(summary.psnr).toBeGreaterThan(summary.psnrNoisy + 5);

    // --float16 halves the file; the denoised image moves by hundredths of a dB (0.018 dB here: more than the
    // 0.01 dB the shipped models allow, so they keep float32).
    const half = join(dir, 'flat-rf13-f16');
    const converted16 = await run(['convert', FLAT_RF13, '--from', 'kadkhodaie', '--out', half, '--float16', '--json']);
    expect(converted16.code, converted16.stderr).toBe(0);
    expect(JSON.parse(converted16.stdout)).toMatchObject({ float16: true });
    const bytes = (folder: string) => readFileSync(join(folder, 'model.safetensors')).length;
    expect(bytes(half) / bytes(out)).toBeLessThan(0.55);
    const args = ['denoise', photo, '--model', half, '--sigma', '25', '--out', join(dir, 'd16.png'), '--json'];
    const denoised16 = await run(args);
    expect(denoised16.code, denoised16.stderr).toBe(0);
    const change = Math.abs(JSON.parse(denoised16.stdout).psnr - summary.psnr);
    expect(change).toBeGreaterThan(0);
    expect(change).toBeLessThan(0.05);
  });

  it('converts a multi-scale set folder picked by --rf, which denoise then uses', async () => {
    const out = join(dir, 'tiny-set');
    const converted = await run([
      'convert',
      join(KADKHODAIE, 'tiny-set'),
      '--from',
      'kadkhodaie',
      '--rf',
      '9',
      '--out',
      out,
    ]);
    expect(converted.code, converted.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ kind: 'multiscale', levels: 2, conditionalOutput: 'noise' });
    const denoised = await run(['denoise', photo, '--model', out, '--out', join(dir, 'd2.png'), '--json']);
    expect(denoised.code, denoised.stderr).toBe(0);
    expect(JSON.parse(denoised.stdout)).toMatchObject({ evaluations: 3 });
  });

  it('gives one clear error for each bad input and leaves no output folder', async () => {
    const truncated = join(dir, 'truncated.pt');
    await writeFile(truncated, readFileSync(FLAT_RF13).subarray(0, 500_000));
    const random = join(dir, 'random.pt');
    await writeFile(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const cases: [string[], number, RegExp][] = [
      [[truncated], 1, /CheckpointError: .*truncated/],
      [[random], 1, /CheckpointError: .*not a PyTorch checkpoint/],
      [[join(KADKHODAIE, 'broken', 'not-kadkhodaie.pt')], 1, /not a Kadkhodaie denoiser.*check --from/],
      [[join(KADKHODAIE, 'broken', 'missing-bn.pt')], 1, /is missing BN_layers\.7\.running_sd/],
      [[join(KADKHODAIE, 'broken', 'wrong-shape.pt')], 1, /conv_layers\.3\.weight has shape \[4,5,1,1\]/],
      [[join(KADKHODAIE, 'tiny-set')], 1, /InvalidArgumentError: .*RF 5, 9: pick one/],
      [[join(KADKHODAIE, 'tiny-set'), '--rf', '13'], 1, /has no RF 13 networks/],
      [[FLAT_RF13, '--from', 'nope'], 2, /--from must be one of kadkhodaie, .*got "nope"/],
      [[join(dir, 'nothing.pt')], 2, /no file or folder at/],
    ];
    for (const [args, code, pattern] of cases) {
      const out = join(dir, 'out');
      const withFrom = args.includes('--from') ? args : [...args, '--from', 'kadkhodaie'];
      const result = await run(['convert', ...withFrom, '--out', out]);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^scalespace convert: /);
      expectNothingLeft(out);
    }
  });

  it('never overwrites an existing folder', async () => {
    const out = join(dir, 'taken');
    await mkdir(out);
    await copyFile(FLAT_RF13, join(out, 'keep.pt'));
    const result = await run(['convert', FLAT_RF13, '--from', 'kadkhodaie', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/already exists; convert never overwrites/);
    expect(readdirSync(out)).toEqual(['keep.pt']);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, readImage, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');
const SINGAN = join(REPO, 'packages', 'singan', 'fixtures', 'singan');
const SINGAN_FOLDER = join(SINGAN, 'TrainedModels', 'coffee', 'scale_factor=0.750000,alpha=10');
const PIXELCNN = join(REPO, 'packages', 'autoregressive', 'fixtures', 'pixelcnn');

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-convert-official-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scalespace convert --from singan / pixelcnn', () => {
  it('lists both families in convert --help', async () => {
    const { code, stdout } = await run(['convert', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/singan +an official SinGAN folder TrainedModels\/<image>\/scale_factor=/);
    expect(stdout).toMatch(/pixelcnn +a PixelCNN\+\+ \.pt of visinf\/pixelpyramids/);
  });

  it('converts an official SinGAN folder, which sample then uses', async () => {
    const out = join(dir, 'singan');
    // The folder above the model folder works too (it holds exactly one).
    const converted = await run([
      'convert',
      join(SINGAN, 'TrainedModels', 'coffee'),
      '--from',
      'singan',
      '--out',
      out,
      '--json',
    ]);
    expect(converted.code, converted.stderr).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({
      from: 'singan',
      method: 'singan',
      sizes: [
        [12, 18],
        [14, 21],
        [16, 24],
      ],
    });
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);
    const grid = join(dir, 'singan-grid.png');
    const sampled = await run(['sample', out, '--n', '2', '--seed', '1', '--out', grid, '--json']);
    expect(sampled.code, sampled.stderr).toBe(0);
    const image = await readImage(grid);
    expect(image.shape[2]).toBe(3);
    image.dispose();
  });

  it('converts an official PixelCNN++, which eval nll scores as the official loss does and sample draws from', async () => {
    const out = join(dir, 'pixelcnn');
    const converted = await run([
      'convert',
      join(PIXELCNN, 'pixelcnnpp.pt'),
      '--from',
      'pixelcnn',
      '--bits',
      '8',
      '--size',
      '8x8',
      '--out',
      out,
      '--json',
    ]);
    expect(converted.code, converted.stderr).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({
      from: 'pixelcnn',
      model: { channels: 3, filters: 16, components: 10, height: 8, width: 8, unet: { resolutions: 2 } },
    });
    // The parity batch as PNG files: eval nll gives the official bits/dim of those two images.
    const reference = decodeSafetensors(readFileSync(join(PIXELCNN, 'parity.safetensors'))).tensors;
    const { values, shape } = reference['rgb.images'];
    const images = join(dir, 'images');
    await mkdir(images);
    for (let i = 0; i < shape[0]; i++) {
      const image = tf.tidy(() =>
        tf.div(
          tf
            .tensor4d(values as Int32Array, shape as [number, number, number, number])
            .slice(i, 1)
            .squeeze([0]),
          255,
        ),
      );
      await writeImage(join(images, `${i}.png`), image as tf.Tensor3D);
      image.dispose();
    }
    const nll = await run(['eval', 'nll', out, '--data', `folder:${images}`, '--json']);
    expect(nll.code, nll.stderr).toBe(0);
    expect(Math.abs(JSON.parse(nll.stdout).bitsPerDim - reference['rgb.bpd'].values[0])).toBeLessThan(1e-3);
    const sampled = await run(['sample', out, '--n', '1', '--out', join(dir, 'pixelcnn.png'), '--json']);
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(JSON.parse(sampled.stdout)).toMatchObject({ kind: 'pixelcnn', networkEvaluations: 64 });
  });

  it('gives one clear error for each bad input and leaves no output folder', async () => {
    const cases: [string[], number, RegExp][] = [
      [[join(SINGAN_FOLDER, 'Gs.pth'), '--from', 'singan'], 1, /is a file; give the official SinGAN folder/],
      [[join(SINGAN, 'broken'), '--from', 'singan'], 1, /not an official SinGAN folder/],
      [
        [SINGAN_FOLDER, '--from', 'singan', '--min-size', '11'],
        1,
        /do not follow the official pyramid with min_size 11/,
      ],
      [[join(PIXELCNN, 'pixelcnnpp.pt'), '--from', 'pixelcnn'], 2, /--from pixelcnn needs --bits N/],
      [[join(PIXELCNN, 'broken', 'conditional.pt'), '--from', 'pixelcnn', '--bits', '8'], 1, /class-conditional/],
      [[join(PIXELCNN, 'broken', 'not-pixelcnn.pt'), '--from', 'pixelcnn', '--bits', '8'], 1, /not a PixelCNN\+\+/],
      [[SINGAN_FOLDER, '--from', 'pixelcnn', '--bits', '8'], 1, /is a folder; give the PixelCNN\+\+ \.pt file/],
      [
        [join(PIXELCNN, 'pixelcnnpp.pt'), '--from', 'singan', '--bits', '8'],
        2,
        /--bits is not an option of --from singan/,
      ],
    ];
    for (const [args, code, pattern] of cases) {
      const out = join(dir, 'out');
      const result = await run(['convert', ...args, '--out', out]);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toMatch(pattern);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((n) => n.includes('.converting-'))).toEqual([]);
    }
  });
});

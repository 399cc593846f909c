import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, tf, writeImage } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');

let dir: string;
let photo: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'scalespace-restore-'));
  // A 32x32 crop of a CC0 photo (camera, grey): the man's face.
  const image = await readImage(join(REPO, 'packages', 'data', 'assets', 'photos', 'camera.png'), { channels: 1 });
  const crop = tf.slice(image, [36, 76, 0], [32, 32, 1]);
  photo = join(dir, 'photo.png');
  await writeImage(photo, crop);
  const holeMask = tf.tidy(() =>
    tf.pad(tf.ones([8, 8, 1]), [
      [12, 12],
      [12, 12],
      [0, 0],
    ]),
  );
  await writeImage(join(dir, 'hole.png'), holeMask);
  await writeImage(join(dir, 'black.png'), tf.zeros([32, 32, 1]));
  await writeImage(join(dir, 'small.png'), tf.zeros([16, 32, 1]));
  tf.dispose([image, crop, holeMask]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Without --model: restore's default prior, flat-rf13.
const restore = (...args: string[]) => run(['restore', photo, '--json', ...args]);

describe('scalespace restore', () => {
  it('runs all five tasks, writes the result, the measurement and the baseline, and reports both', async () => {
    for (const [task, extra] of [
      ['sr', ['--factor', '4']],
      ['inpaint', ['--mask', join(dir, 'hole.png')]],
      ['pixels', ['--keep', '0.3']],
      ['deblur', ['--blur', '1.5']],
      ['cs', ['--keep', '0.3', '--samples', '2', '--mean']],
    ] as const) {
      const out = join(dir, `${task}.png`);
      const result = await restore('--task', task, ...extra, '--out', out);
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ task, model: 'flat-rf13', method: 'constrained ascent' });
      expect(summary.evaluations).toBeGreaterThan(10);
      expect(summary.sample.psnr).toBeGreaterThan(10);
      for (const file of [out, join(dir, `${task}.measured.png`), join(dir, `${task}.baseline.png`)]) {
        expect(existsSync(file), file).toBe(true);
      }
      if (task === 'cs') {
        // 30% random projections: the least-norm image keeps 30% of the energy, the prior restores far more.
        expect(summary.mean.psnr).toBeGreaterThan(summary.baseline.psnr + 3);
        expect(summary.measured).toBeCloseTo(0.3, 1);
      }
    }
  });

  it('rejects a mask of the wrong size, an empty mask and a factor that does not divide the image', async () => {
    const out = join(dir, 'bad.png');
    const cases: Array<[string[], RegExp]> = [
      [['--task', 'inpaint', '--mask', join(dir, 'small.png')], /--mask .* is 32x16, the image 32x32/],
      [['--task', 'inpaint', '--mask', join(dir, 'black.png')], /marks no pixel to fill/],
      [['--task', 'sr', '--factor', '3'], /--factor 3 does not divide the image size 32x32; crop it to 30x30/],
      [['--task', 'blur'], /--task must be sr, inpaint, pixels, deblur or cs/],
      [[], /--task is required/],
    ];
    for (const [args, message] of cases) {
      const result = await restore(...args, '--out', out);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });
});

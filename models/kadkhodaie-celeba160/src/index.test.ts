import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage, readTorchCheckpoint, rng, tf } from '@scalespace/core';
import { flatDenoiserFromTorch } from '@scalespace/denoisers';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, models, testImage } from './index.js';

// The official flat RF 13 checkpoint kept as a parity fixture by @scalespace/denoisers (MIT, same source).
const OFFICIAL_RF13 = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'packages',
  'denoisers',
  'fixtures',
  'kadkhodaie',
  'official',
  'flat',
  'noise_range_0to255_RF_13x13',
  'model.pt',
);

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const psnr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => -10 * Math.log10(tf.mean(tf.square(tf.sub(tf.clipByValue(a, 0, 1), b))).dataSync()[0]));
describe('@scalespace/model-kadkhodaie-celeba160', () => {
  it('ships the five flat nets and the five multi-scale sets with the official architectures', async () => {
    const before = tf.memory().numTensors;
    expect(models).toHaveLength(10);
    for (const name of models) {
      const model = await load(name);
      const rf = Number(name.split('-rf')[1]);
      if (model.config.kind === 'flat') {
        expect(model.config.net).toMatchObject({ depth: 21, width: 64, rf, linearFirstLayer: true });
      } else {
        expect(model.config).toMatchObject({ levels: 2, conditionalOutput: 'noise' });
        expect(model.config.lowpass).toMatchObject({ depth: 20, width: 64, rf: 41 });
        expect(model.config.conditional).toMatchObject({ depth: 21, width: 64, rf });
      }
      model.dispose();
    }
    await expect(load('flat-rf7' as never)).rejects.toThrow(/has no model "flat-rf7"/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the shipped flat RF 13 weights are exactly the official ones, and denoise a face it never saw', async () => {
    const before = tf.memory().numTensors;
    const shipped = await load('flat-rf13');
    const official = flatDenoiserFromTorch(await readTorchCheckpoint(OFFICIAL_RF13, { stripModulePrefix: true }));
    const want = official.stateDict();
    const got = shipped.stateDict();
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [name, t] of Object.entries(want)) expect(got[name].dataSync(), name).toEqual(t.dataSync());
    const face = await readImage(fileURLToPath(testImage as URL), { channels: 1 });
    const noisy = tf.tidy(() => tf.add(face, rng(3).normalTensor(face.shape, { std: 25 / 255 })));
    const { image } = await shipped.denoise(noisy);
    expect(psnr(image, face)).toBeGreaterThan(psnr(noisy, face) + 7);
    tf.dispose([face, noisy, image]);
    shipped.dispose();
    official.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the multi-scale RF 13 set denoises a face it never saw, coarse to fine', async () => {
    const before = tf.memory().numTensors;
    const model = await load('multiscale-rf13');
    const face = await readImage(fileURLToPath(testImage as URL), { channels: 1 });
    const noisy = tf.tidy(() => tf.add(face, rng(4).normalTensor(face.shape, { std: 50 / 255 })));
    const { image, evaluations } = await model.denoise(noisy);
    expect(evaluations).toBe(3);
    expect(psnr(image, face)).toBeGreaterThan(psnr(noisy, face) + 10);
    tf.dispose([face, noisy, image]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

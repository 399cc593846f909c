// The same work done here in Node with the same library calls, for the browser's results to be compared with,
// and the test images written as files the page is given.

import { fileURLToPath } from 'node:url';
import type { PixelPyramids } from '@scalespace/autoregressive';
import { initBackend, readImage, tf, toBytes, writeImage } from '@scalespace/core';
import { lowResolution } from '@scalespace/hvae';
import { psnr } from '@scalespace/metrics';
import { load as loadCVDVAE } from '@scalespace/model-cvdvae-mnist-x4';
import { heldOutPhotos } from '@scalespace/model-denoiser-flat-rf43';
import { load as loadPixelPyramids } from '@scalespace/model-pixelpyramids-mnist';
import { load as loadSingan } from '@scalespace/model-singan-coffee';
import { degrade, levelEntropy } from '@scalespace/pyramids';
import { DENOISER_LOADERS } from '../src/compute/models.js';
import type { DenoiserId } from '../src/denoisers.js';
import { ROOT } from './harness.js';

export async function startNode(): Promise<void> {
  await initBackend('wasm', { log: false });
}

/** A grey crop [height, width] of the held-out camera photo, written as a PNG; returns its path. */
export async function cameraCrop(dir: string, height: number, width: number): Promise<string> {
  const photo = await readImage(fileURLToPath(heldOutPhotos.camera!), { channels: 1 });
  const crop = tf.slice(photo, [100, 80, 0], [height, width, 1]);
  const path = `${dir}/camera-${width}x${height}.png`;
  await writeImage(path, crop);
  tf.dispose([photo, crop]);
  return path;
}

/** 8-bit values of an image in [0, 1] (clipped), as the page's canvases hold them. */
async function bytes(image: tf.Tensor): Promise<number[]> {
  return Array.from((await toBytes(image)).data);
}

export async function denoiseInNode(
  model: DenoiserId,
  file: string,
  sigma: number,
  seed: number,
): Promise<{ psnr: number; denoised: number[] }> {
  const denoiser = await (await DENOISER_LOADERS[model]()).load(undefined, {});
  const clean = await readImage(file, { channels: 1 });
  const noisy = degrade(clean, { scale: 1, noise: sigma / 255, seed });
  const { image } = await denoiser.denoise(noisy);
  const clipped = tf.clipByValue(image, 0, 1);
  try {
    return { psnr: await psnr(clipped, clean, { dataRange: 1 }), denoised: await bytes(clipped) };
  } finally {
    tf.dispose([clean, noisy, image, clipped]);
    denoiser.dispose();
  }
}

/** Held-out digit `index` of the studio's sheet (row-major, 32x32 cells). */
export async function digit(index: number): Promise<tf.Tensor3D> {
  const sheet = await readImage(`${ROOT}public/mnist-test-digits.png`, { channels: 1 });
  const cols = sheet.shape[1] / 32;
  const cell = tf.slice(sheet, [Math.floor(index / cols) * 32, (index % cols) * 32, 0], [32, 32, 1]);
  sheet.dispose();
  return cell;
}

export async function superResolveInNode(
  index: number,
  options: { samples: number; temperature: number; seed: number },
): Promise<number[][]> {
  const model = await loadCVDVAE();
  const x = await digit(index);
  const low = tf.tidy(() => tf.squeeze(lowResolution(tf.expandDims(x, 0), 4), [0]));
  const samples = model.superResolve(low, options);
  const list = tf.unstack(samples);
  try {
    return await Promise.all(list.map(bytes));
  } finally {
    tf.dispose([x, low, samples, ...list]);
    model.dispose();
  }
}

export async function pyramidSamplesInNode(
  n: number,
  seed: number,
): Promise<{ evaluations: number; samples: number[][] }> {
  const model = await loadPixelPyramids();
  const { images, networkEvaluations } = await (model.module as PixelPyramids).sample({ n, temperature: 1, seed });
  const list = tf.unstack(images);
  try {
    return { evaluations: networkEvaluations, samples: await Promise.all(list.map(bytes)) };
  } finally {
    tf.dispose([images, ...list]);
    model.module.dispose();
  }
}

export async function singanSampleInNode(seed: number, height: number, width: number): Promise<number[]> {
  const model = await loadSingan();
  const sample = model.sample({ n: 1, seed, size: [height, width] });
  const image = tf.squeeze(sample, [0]);
  try {
    return await bytes(image);
  } finally {
    tf.dispose([sample, image]);
    model.dispose();
  }
}

export async function entropiesInNode(
  file: string,
  options: { bits: number; levels: number; liftingLevels: number },
): Promise<{ raw: number; paired: number[]; lifting: number[] }> {
  const grey = await readImage(file, { channels: 1 });
  const ints = tf.tidy(() => tf.expandDims(tf.cast(tf.round(tf.mul(grey, 2 ** options.bits - 1)), 'int32'), 0));
  try {
    const paired = await levelEntropy(ints, { pyramid: 'paired', bits: options.bits, levels: options.levels });
    const lifting = await levelEntropy(ints, { pyramid: 'lifting', bits: options.bits, levels: options.liftingLevels });
    return {
      raw: paired.raw,
      paired: paired.levels.map((l) => l.entropyBits),
      lifting: lifting.levels.map((l) => l.entropyBits),
    };
  } finally {
    tf.dispose([grey, ints]);
  }
}

// Super-resolution x4 on MNIST (8x8 -> 32x32) by the two shipped models that do it, on the same test digits,
// next to bicubic (the form of paper 001's Table 1). The models see different inputs, as each is defined:
// CVDVAE the antialiased bicubic x1/4 image, PixelPyramids the 8x8 level of the lossless paired pyramid (it
// samples the four finer levels). LR-PSNR is measured the same way for every row: the output downscaled by the
// bicubic operator against the bicubic low-resolution digit. "own input" says whether each output reproduces the
// input its model was given (PixelPyramids: exactly, by construction).
import type { PixelPyramids } from '@scalespace/autoregressive';
import { initBackend, tf } from '@scalespace/core';
import {
  evaluateBicubic,
  evaluateSuperResolution,
  loadMnist32,
  lowResolution,
  type SrTableRow,
} from '@scalespace/hvae';
import { apd, lrPsnr, psnrPerImage, ssimPerImage } from '@scalespace/metrics';
import { load as loadCVDVAE } from '@scalespace/model-cvdvae-mnist-x4';
import { load as loadPixelPyramids } from '@scalespace/model-pixelpyramids-mnist';
import { disposePaired, pairedPyramid } from '@scalespace/pyramids';
import { printTable, writeResults } from './harness.js';

const SCALE = 4;
const SAMPLES = 5;
const BATCH = 20;
const COUNT = Number(process.env.SCALESPACE_SR_COUNT ?? 200);

type Row = SrTableRow & { networkEvaluations: number; ownInputExact?: boolean };

async function pixelPyramidsRow(
  net: PixelPyramids,
  data: Awaited<ReturnType<typeof loadMnist32>>,
  temperature: number,
): Promise<Row> {
  const acc = { psnr: [] as number[], ssim: [] as number[], lr: [] as number[], apd: [] as number[] };
  let seconds = 0;
  let made = 0;
  let evaluations = 0;
  let exact = true;
  for (let start = 0; start < COUNT; start += BATCH) {
    const idx = Array.from({ length: Math.min(BATCH, COUNT - start) }, (_, k) => start + k);
    const x = data.images(idx);
    const gt = tf.tidy(() => tf.reshape(tf.tile(tf.expandDims(x, 1), [1, SAMPLES, 1, 1, 1]), [-1, 32, 32, 1]));
    const ints = tf.tidy(() => tf.cast(tf.round(tf.mul(gt, 255)), 'int32'));
    const pyramid = pairedPyramid(ints, { bits: 8, levels: 4 });
    const t0 = performance.now();
    const out = await net.superResolve(pyramid.coarse, { seed: 100 + start, temperature });
    seconds += (performance.now() - t0) / 1000;
    made += out.images.shape[0];
    evaluations = out.networkEvaluations;
    const back = pairedPyramid(out.images, { bits: 8, levels: 4 });
    exact &&= tf.tidy(() => tf.max(tf.abs(tf.sub(back.coarse, pyramid.coarse))).dataSync()[0] === 0);
    const sr = tf.tidy(() => tf.div(tf.cast(out.images, 'float32'), 255) as tf.Tensor4D);
    acc.psnr.push(...(await psnrPerImage(sr, gt, 1)));
    acc.ssim.push(...(await ssimPerImage(sr, gt, { dataRange: 1 })));
    const lowAll = lowResolution(gt, SCALE);
    for (let i = 0; i < sr.shape[0]; i++) {
      const [one, low] = tf.tidy(() => [tf.slice(sr, [i], [1]), tf.slice(lowAll, [i], [1])]);
      acc.lr.push(await lrPsnr(one, low, { scale: SCALE, dataRange: 1, degradation: (h) => lowResolution(h, SCALE) }));
      tf.dispose([one, low]);
    }
    lowAll.dispose();
    for (let b = 0; b < idx.length; b++) {
      const group = tf.slice(sr, [b * SAMPLES], [SAMPLES]);
      acc.apd.push(await apd(group));
      group.dispose();
    }
    disposePaired(back);
    disposePaired(pyramid);
    tf.dispose([x, gt, ints, out.images, sr]);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    method: `PixelPyramids t=${temperature}`,
    psnr: mean(acc.psnr),
    ssim: mean(acc.ssim),
    lrPsnr: mean(acc.lr),
    apdMse: mean(acc.apd),
    secondsPerSample: seconds / made,
    images: COUNT,
    samples: SAMPLES,
    networkEvaluations: evaluations,
    ownInputExact: exact,
  };
}

export async function run(): Promise<void> {
  const backend = await initBackend();
  const test = await loadMnist32('test');
  const rows: Row[] = [];
  const cvdvae = await loadCVDVAE();
  for (const temperature of [0.1, 0.8]) {
    const r = await evaluateSuperResolution(cvdvae, test, { count: COUNT, samples: SAMPLES, temperature, seed: 3 });
    rows.push({ ...r, networkEvaluations: 1 });
  }
  cvdvae.dispose();
  const pp = await loadPixelPyramids();
  for (const temperature of [0.8, 1]) rows.push(await pixelPyramidsRow(pp.module as PixelPyramids, test, temperature));
  pp.module.dispose();
  rows.push({ ...(await evaluateBicubic(test, SCALE, { count: COUNT })), networkEvaluations: 0 });

  printTable(
    ['method', 'PSNR', 'SSIM', 'LR-PSNR', 'APD (MSE)', 's / sample', 'sequential evals', 'own input exact'],
    rows.map((r) => [
      r.method,
      r.psnr,
      r.ssim,
      r.lrPsnr,
      r.apdMse,
      r.secondsPerSample,
      r.networkEvaluations,
      r.ownInputExact === undefined ? '-' : r.ownInputExact ? 'yes' : 'NO',
    ]),
  );
  console.log(`first ${COUNT} MNIST test digits (32x32), ${SAMPLES} samples each, backend ${backend}`);
  await writeResults('sr', { backend, count: COUNT, samples: SAMPLES, rows });
}

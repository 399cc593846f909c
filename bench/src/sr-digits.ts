// The digit half of `pnpm bench sr`: x4 super-resolution (8x8 -> 32x32) of the same MNIST test digits by
// every method scalespace has, all scored the same way. CVDVAE, bicubic, ESRGAN and Kadkhodaie's solver see
// the bicubic x1/4 digit; PixelPyramids sees the 8x8 level of its lossless paired pyramid (it samples the
// four finer levels; "own input exact" says it reproduces that level exactly, by construction).

import { fileURLToPath } from 'node:url';
import type { PixelPyramids } from '@scalespace/autoregressive';
import { tf } from '@scalespace/core';
import { loadDenoiser } from '@scalespace/denoisers';
import { type CVDVAE, loadMnist32 } from '@scalespace/hvae';
import { load as loadCVDVAE } from '@scalespace/model-cvdvae-mnist-x4';
import { load as loadKadkhodaie } from '@scalespace/model-kadkhodaie-celeba160';
import { load as loadPixelPyramids } from '@scalespace/model-pixelpyramids-mnist';
import { disposePaired, pairedPyramid, resize } from '@scalespace/pyramids';
import { FigureStrip } from './sr-figure.js';
import { bicubicLow, FACTOR, kadkhodaieSamples, loadEsrganSlim, type SrRow, scoreSamples } from './sr-methods.js';

export const COUNT = Number(process.env.SCALESPACE_SR_COUNT ?? 200);
/** The iterative solver costs hundreds of evaluations a sample: it runs on the first digits only. */
export const KADKHODAIE_COUNT = Number(process.env.SCALESPACE_SR_KADKHODAIE_COUNT ?? 40);
export const SAMPLES = 5;
/** The digit prior for the solver: a small BF-CNN trained here (recipe in bench/assets/denoiser-mnist-rf13). */
export const DIGIT_DENOISER = fileURLToPath(
  new URL('../assets/denoiser-mnist-rf13/model.safetensors', import.meta.url),
);
export const DIGIT_NOTE = 'bench/assets/denoiser-mnist-rf13 (scalespace train denoiser --data mnist)';
const BATCH = 20;
const DATASET = 'MNIST digits';

export type Method = (
  truth: tf.Tensor4D,
  low: tf.Tensor4D,
  batch: number,
) => Promise<{ images: tf.Tensor4D; evaluations: number }>;

/** One row: `run` on the first `count` test digits (degraded by `factor`, x4 unless given), scored and timed. */
export async function digitRow(
  method: string,
  test: Awaited<ReturnType<typeof loadMnist32>>,
  count: number,
  samples: number,
  run: Method,
  figure: FigureStrip,
  note?: string,
  factor = FACTOR,
): Promise<SrRow> {
  const sums = { psnr: 0, psnrOfMean: 0, ssim: 0, lrPsnr: 0, apd: 0 };
  let seconds = 0;
  let evaluations = 0;
  for (let start = 0, batch = 0; start < count; start += BATCH, batch++) {
    const idx = Array.from({ length: Math.min(BATCH, count - start) }, (_, k) => start + k);
    const truth = test.images(idx);
    const low = bicubicLow(truth, factor);
    const t0 = performance.now();
    const out = await run(truth, low, batch);
    await out.images.data();
    seconds += (performance.now() - t0) / 1000;
    evaluations = out.evaluations;
    if (batch === 0) figure.add(method, out.images);
    const scores = await scoreSamples(out.images, truth, low, samples, factor);
    for (const k of Object.keys(sums) as Array<keyof typeof sums>) sums[k] += scores[k] * idx.length;
    tf.dispose([truth, low, out.images]);
  }
  return {
    method,
    dataset: factor === FACTOR ? DATASET : `${DATASET} x${factor}`,
    images: count,
    samples,
    psnr: sums.psnr / count,
    psnrOfMean: sums.psnrOfMean / count,
    ssim: sums.ssim / count,
    lrPsnr: sums.lrPsnr / count,
    apd: sums.apd / count,
    evaluations,
    secondsPerImage: seconds / count,
    ...(note ? { note } : {}),
  };
}

/** Bicubic interpolation of the low-resolution digit, the baseline row. */
export function bicubicMethod(factor: number): Method {
  return async (_t, low) => ({
    images: tf.tidy(() => resize(low, { scale: factor, method: 'bicubic', antialias: false }) as tf.Tensor4D),
    evaluations: 0,
  });
}

/** CVDVAE's SAMPLES samples of each input in one batched decoder pass. */
export function cvdvaeMethod(model: CVDVAE, temperature: number): Method {
  return async (_t, low, batch) => {
    const out = model.superResolve(low, { samples: SAMPLES, temperature, seed: 3 + batch });
    const [, , h, w, c] = out.shape;
    const images = tf.reshape(out, [-1, h, w, c]) as tf.Tensor4D;
    out.dispose();
    return { images, evaluations: 1 };
  };
}

function pixelPyramidsMethod(net: PixelPyramids, temperature: number, exact: { ok: boolean }): Method {
  return async (truth, _low, batch) => {
    const [, h, w, c] = truth.shape;
    const ints = tf.tidy(() =>
      tf.cast(
        tf.round(tf.mul(tf.reshape(tf.tile(tf.expandDims(truth, 1), [1, SAMPLES, 1, 1, 1]), [-1, h, w, c]), 255)),
        'int32',
      ),
    );
    const pyramid = pairedPyramid(ints, { bits: 8, levels: 4 });
    const out = await net.superResolve(pyramid.coarse, { seed: 100 + batch, temperature });
    const back = pairedPyramid(out.images, { bits: 8, levels: 4 });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(back.coarse, pyramid.coarse))));
    exact.ok &&= (await diff.data())[0] === 0;
    const images = tf.tidy(() => tf.div(tf.cast(out.images, 'float32'), 255) as tf.Tensor4D);
    disposePaired(back);
    disposePaired(pyramid);
    tf.dispose([ints, diff, out.images]);
    return { images, evaluations: out.networkEvaluations };
  };
}

/** The rows, and the figure of the first digit across the methods (written by the caller). */
export async function digitRows(): Promise<{ rows: SrRow[]; figure: FigureStrip }> {
  const test = await loadMnist32('test');
  const rows: SrRow[] = [];
  const figure = new FigureStrip();
  const first = test.images([0]);
  const firstLow = bicubicLow(first);
  figure.add('input (8x8)', firstLow);
  rows.push(await digitRow('bicubic', test, COUNT, 1, bicubicMethod(FACTOR), figure));
  const cvdvae = await loadCVDVAE();
  for (const temperature of [0.1, 0.8]) {
    rows.push(
      await digitRow(`CVDVAE t=${temperature}`, test, COUNT, SAMPLES, cvdvaeMethod(cvdvae, temperature), figure),
    );
  }
  cvdvae.dispose();
  const pp = await loadPixelPyramids();
  for (const temperature of [0.8, 1]) {
    const exact = { ok: true };
    const method = pixelPyramidsMethod(pp.module as PixelPyramids, temperature, exact);
    const row = await digitRow(`PixelPyramids t=${temperature}`, test, COUNT, SAMPLES, method, figure);
    rows.push({ ...row, note: `input: its own 8x8 pyramid level, reproduced ${exact.ok ? 'exactly' : 'NOT exactly'}` });
  }
  pp.module.dispose();
  const esrgan = await loadEsrganSlim();
  rows.push(
    await digitRow(
      'ESRGAN-slim x4 (@upscalerjs, feed-forward)',
      test,
      COUNT,
      1,
      async (_t, low) => ({
        images: esrgan.upscale(low),
        evaluations: 1,
      }),
      figure,
    ),
  );
  esrgan.dispose();
  const priors = [
    {
      label: 'Kadkhodaie, official flat RF 43 (CelebA)',
      load: () => loadKadkhodaie('flat-rf43'),
      note: 'a face prior',
    },
    { label: 'Kadkhodaie, BF-CNN RF 13 trained on digits', load: () => loadDenoiser(DIGIT_DENOISER), note: DIGIT_NOTE },
  ];
  for (const prior of priors) {
    const denoiser = await prior.load();
    rows.push(
      await digitRow(
        prior.label,
        test,
        KADKHODAIE_COUNT,
        SAMPLES,
        async (_t, low, batch) => {
          const { samples, evaluations } = await kadkhodaieSamples(denoiser, low, SAMPLES, 11 + batch);
          return { images: samples, evaluations };
        },
        figure,
        `first ${KADKHODAIE_COUNT} digits; ${prior.note}`,
      ),
    );
    denoiser.dispose();
  }
  figure.add('ground truth', first);
  tf.dispose([first, firstLow]);
  return { rows, figure };
}

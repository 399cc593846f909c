// The photo half of `pnpm bench sr`: x4 super-resolution of the luma of four held-out CC0 photos (the
// SinGAN SR table's photos and degradation, so its measured row can stand beside the others) by every
// method that applies to photos. The digit models (CVDVAE, PixelPyramids) were trained on MNIST only.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readImage, tf } from '@scalespace/core';
import { type FixtureName, fixturePath } from '@scalespace/data';
import { rgbToY } from '@scalespace/metrics';
import { load as loadKadkhodaie } from '@scalespace/model-kadkhodaie-celeba160';
import { resize } from '@scalespace/pyramids';
import { RESULTS_DIR } from './harness.js';
import { FigureStrip } from './sr-figure.js';
import { bicubicLow, FACTOR, kadkhodaieSamples, loadEsrganSlim, type SrRow, scoreSamples } from './sr-methods.js';

const PHOTOS: FixtureName[] = ['astronaut', 'camera', 'chelsea', 'gravel'];
const SAMPLES = Number(process.env.SCALESPACE_SR_PHOTO_SAMPLES ?? 2);
const DATASET = 'photos (luma)';

interface Photo {
  name: FixtureName;
  truth: tf.Tensor4D;
  low: tf.Tensor4D;
}

/** Each photo's luma [1, H, W, 1] and its bicubic x1/4 as an 8-bit file would hold it (as SinGAN's table). */
async function photos(): Promise<Photo[]> {
  const out: Photo[] = [];
  for (const name of PHOTOS) {
    const rgb = await readImage(fixturePath(name), { channels: 3 });
    const truth = tf.tidy(() => tf.expandDims(rgbToY(rgb), 0) as tf.Tensor4D);
    const low = tf.tidy(() => {
      const down = bicubicLow(truth);
      return tf.div(tf.round(tf.mul(down, 255)), 255) as tf.Tensor4D;
    });
    rgb.dispose();
    out.push({ name, truth, low });
  }
  return out;
}

/** Runs `method` on every photo (they differ in size) and averages the scores over the photos. */
async function photoRow(
  method: string,
  set: Photo[],
  samples: number,
  run: (low: tf.Tensor4D) => Promise<{ images: tf.Tensor4D; evaluations: number }>,
  figure: FigureStrip,
  note?: string,
): Promise<SrRow> {
  const scores: Array<Awaited<ReturnType<typeof scoreSamples>>> = [];
  let seconds = 0;
  let evaluations = 0;
  for (const photo of set) {
    const t0 = performance.now();
    const { images, evaluations: e } = await run(photo.low);
    seconds += (performance.now() - t0) / 1000;
    evaluations = e;
    if (photo === set[0]) figure.add(method, images);
    scores.push(await scoreSamples(images, photo.truth, photo.low, samples));
    images.dispose();
    console.log(`  ${method} ${photo.name}: PSNR ${scores.at(-1)?.psnr.toFixed(2)}`);
  }
  const avg = (k: keyof (typeof scores)[number]) => scores.reduce((s, r) => s + r[k], 0) / scores.length;
  return {
    method,
    dataset: DATASET,
    images: set.length,
    samples,
    psnr: avg('psnr'),
    psnrOfMean: avg('psnrOfMean'),
    ssim: avg('ssim'),
    lrPsnr: avg('lrPsnr'),
    apd: avg('apd'),
    evaluations,
    secondsPerImage: seconds / set.length,
    ...(note ? { note } : {}),
  };
}

/** SinGAN's row as its own table measured it (same photos, degradation and luma PSNR/SSIM; RGB in and out). */
async function singanRow(): Promise<SrRow | undefined> {
  try {
    const table = JSON.parse(await readFile(join(RESULTS_DIR, 'singan-sr-x4.json'), 'utf8'));
    const rows = table.rows as Array<{ photo: string; trainingSeconds: number }>;
    if (rows.map((r) => r.photo).join() !== PHOTOS.join()) return undefined;
    return {
      method: `SinGAN SR (${table.iterations} iterations a scale)`,
      dataset: DATASET,
      images: rows.length,
      samples: 1,
      psnr: table.mean.singan.psnr,
      psnrOfMean: table.mean.singan.psnr,
      ssim: table.mean.singan.ssim,
      lrPsnr: Number.NaN,
      apd: 0,
      evaluations: Number.NaN,
      secondsPerImage: rows.reduce((s, r) => s + r.trainingSeconds, 0) / rows.length,
      note: 'from bench/results/singan-sr-x4.json (packages/singan/scripts/sr-table.mts): one model trained per photo',
    };
  } catch {
    return undefined;
  }
}

/** The rows, and the figure of the first photo across the methods (written by the caller). */
export async function photoRows(): Promise<{ rows: SrRow[]; figure: FigureStrip }> {
  const set = await photos();
  const rows: SrRow[] = [];
  const figure = new FigureStrip();
  figure.add(`input (${set[0].low.shape[1]}x${set[0].low.shape[2]})`, set[0].low);
  rows.push(
    await photoRow(
      'bicubic',
      set,
      1,
      async (low) => {
        const [, h, w] = low.shape;
        const images = tf.tidy(
          () =>
            resize(low, { height: h * FACTOR, width: w * FACTOR, method: 'bicubic', antialias: false }) as tf.Tensor4D,
        );
        return { images, evaluations: 0 };
      },
      figure,
    ),
  );
  const esrgan = await loadEsrganSlim();
  rows.push(
    await photoRow(
      'ESRGAN-slim x4 (@upscalerjs, feed-forward)',
      set,
      1,
      async (low) => ({
        images: esrgan.upscale(low),
        evaluations: 1,
      }),
      figure,
    ),
  );
  esrgan.dispose();
  const denoiser = await loadKadkhodaie('flat-rf43');
  rows.push(
    await photoRow(
      'Kadkhodaie, official flat RF 43 (CelebA)',
      set,
      SAMPLES,
      async (low) => {
        const { samples, evaluations } = await kadkhodaieSamples(denoiser, low, SAMPLES, 7);
        return { images: samples, evaluations };
      },
      figure,
      'constrained ascent on the bicubic operator',
    ),
  );
  denoiser.dispose();
  const singan = await singanRow();
  if (singan) rows.push(singan);
  figure.add('ground truth', set[0].truth);
  for (const p of set) tf.dispose([p.truth, p.low]);
  return { rows, figure };
}

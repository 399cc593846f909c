import { stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import {
  assertFitsMemory,
  imageGrid,
  initBackend,
  measurePeakBytes,
  memoryBudget,
  readImage,
  tf,
  throwIfAborted,
  writeImage,
} from '@scalespace/core';
import { listImages } from '@scalespace/data';
import { type CVDVAE, loadCVDVAE, lowResolution } from '@scalespace/hvae';
import { apd, lrPsnr } from '@scalespace/metrics';
import { type Command, intOption, numberOption, stringOption, UsageError } from '../command.js';
import { modelOption } from '../models.js';
import { choice, int, model, num, text } from '../options.js';

async function inputsOf(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new UsageError(`no image or folder at "${path}"`);
  if (!info.isDirectory()) return [path];
  const files = await listImages(path);
  if (files.length === 0) throw new UsageError(`"${path}" holds no PNG/JPEG/WebP/TIFF images`);
  return files;
}

/**
 * Refuses, before the first image, a --samples count the backend cannot hold: one sample is
 * measured and the peak grows with the samples drawn at once.
 */
async function checkMemory(model: CVDVAE, y: tf.Tensor3D, samples: number): Promise<void> {
  const { peakBytes, result } = await measurePeakBytes(() => model.superResolve(y, { samples: 1 }));
  result.dispose();
  // The samples, their grid and the images written from them, on top of the network's peak.
  const [, h, w, c] = result.shape;
  const perSample = peakBytes + 3 * h * w * c * 4;
  const budget = await memoryBudget();
  const largest = Math.floor(budget.bytes / perSample);
  assertFitsMemory(
    perSample * samples,
    budget,
    `${samples} samples at once`,
    largest >= 1 ? `the largest --samples that fits is ${largest}` : 'this model does not fit at all',
  );
}

/** `scalespace sr IMAGE_OR_FOLDER --model NAME_OR_DIR --samples 5 --temperature 0.8 --out DIR`. */
export const srCommand: Command = {
  name: 'sr',
  summary: 'Diverse super-resolution with CVDVAE: several high-resolution samples per low-resolution image',
  usage: 'IMAGE_OR_FOLDER',
  help: 'Inputs are low-resolution images, e.g. 8x8 grey for the x4 MNIST model, 4x4 for the x8 one; a folder is read recursively.',
  options: {
    model: model(['cvdvae'], 'the CVDVAE model', { required: true }),
    out: text('DIR', 'the output folder: per input, each sample and their grid', { required: true }),
    samples: int('samples per input', { default: 5, max: 256 }),
    temperature: num('scales the latent noise (0: the most likely latents)', { default: 0.8, min: 0, max: 10 }),
    pixels: choice(
      ['mode', 'sample'],
      "mode takes each pixel's most likely value (sharper, the best LR-PSNR), sample draws it from the output mixture (grainier)",
      { defaultText: 'mode at temperature 0, else sample' },
    ),
    seed: int('the noise seed of the first input (the next inputs take the next seeds)', { default: 0, min: 0 }),
  },
  async run(ctx) {
    const [input, ...extra] = ctx.positionals;
    if (!input || extra.length > 0) throw new UsageError('give exactly one IMAGE or FOLDER of low-resolution images');
    const { dir } = await modelOption(ctx);
    const out = stringOption(ctx, 'out');
    const samples = intOption(ctx, 'samples');
    const temperature = numberOption(ctx, 'temperature');
    const seed = intOption(ctx, 'seed');
    const pixels = ctx.values.pixels === undefined ? undefined : stringOption(ctx, 'pixels');
    if (pixels !== undefined && pixels !== 'mode' && pixels !== 'sample')
      throw new UsageError(`--pixels must be mode or sample, got "${pixels}"`);
    const files = await inputsOf(input);
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadCVDVAE(dir);
    ctx.defer(() => model.dispose());
    const { imageChannels: channels } = model.prior.config;
    const { scale } = model.config;
    await ctx.outputDir(out);
    const results = [];
    for (const [i, file] of files.entries()) {
      throwIfAborted(ctx.signal, 'super-resolution');
      const y = await readImage(file, { channels: channels as 1 | 3 });
      ctx.defer(() => y.dispose());
      const [h, w] = y.shape;
      if (h !== model.lowSize || w !== model.lowSize) {
        throw new UsageError(
          `"${file}" is ${w}x${h}; this model super-resolves ${model.lowSize}x${model.lowSize} images by ${scale} (degrade a ${model.lowSize * scale}px image first)`,
        );
      }
      if (i === 0) await checkMemory(model, y, samples);
      const t0 = performance.now();
      const sr = model.superResolve(y, {
        samples,
        temperature,
        seed: seed + i,
        ...(pixels && { output: pixels }),
      }) as tf.Tensor4D;
      ctx.defer(() => sr.dispose());
      await sr.data();
      const seconds = (performance.now() - t0) / 1000;
      const stem = basename(file, extname(file));
      const paths: string[] = [];
      const lr: number[] = [];
      for (let s = 0; s < samples; s++) {
        throwIfAborted(ctx.signal, 'super-resolution');
        const one = tf.tidy(() => tf.slice(sr, [s], [1]));
        const low = tf.expandDims(y, 0);
        try {
          const path = join(out, `${stem}-sample${s}.png`);
          await writeImage(await ctx.output(path), one);
          paths.push(path);
          lr.push(await lrPsnr(one, low, { scale, dataRange: 1, degradation: (x) => lowResolution(x, scale) }));
        } finally {
          tf.dispose([one, low]);
        }
      }
      const grid = imageGrid(sr, { columns: samples });
      ctx.defer(() => grid.dispose());
      const gridPath = join(out, `${stem}-grid.png`);
      await writeImage(await ctx.output(gridPath), grid);
      const apdMse = samples > 1 ? await apd(sr) : 0;
      tf.dispose([y, sr, grid]);
      results.push({
        input: file,
        samples: paths,
        grid: gridPath,
        lrPsnr: lr,
        apdMse,
        secondsPerSample: seconds / samples,
      });
      ctx.log(
        `${file}: ${samples} samples -> ${gridPath}; LR-PSNR ${lr.map((v) => v.toFixed(1)).join(' ')} dB, APD ${apdMse.toExponential(2)}, ${(seconds / samples).toFixed(3)} s/sample`,
      );
    }
    if (ctx.json) ctx.printJson(results.length === 1 ? results[0] : { results });
    return 0;
  },
};

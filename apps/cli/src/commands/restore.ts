import { resolve } from 'node:path';
import { initBackend, progressBar, readImage, tf, writeImage } from '@scalespace/core';
import {
  blockAverageOperator,
  gaussianBlurOperator,
  type LinearOperator,
  maskOperator,
  randomPixelsOperator,
  randomProjectionOperator,
  solveInverseProblem,
} from '@scalespace/denoisers';
import { psnr, ssim } from '@scalespace/metrics';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, numberOption, stringOption, UsageError } from '../command.js';
import { DEFAULT_RESTORE_MODEL, resolveDenoiser } from './denoiser-models.js';

const TASKS = ['sr', 'inpaint', 'pixels', 'deblur', 'cs'] as const;
type Task = (typeof TASKS)[number];

/** The pixels to keep for inpainting: outside the --mask (white = to fill), or outside a centred square. */
async function knownPixels(ctx: CommandContext, h: number, w: number): Promise<tf.Tensor2D> {
  if (ctx.values.mask === undefined) {
    const side = Math.max(1, Math.round(Math.min(h, w) / 4));
    const [top, left] = [Math.floor((h - side) / 2), Math.floor((w - side) / 2)];
    const rows: [number, number] = [top, h - side - top];
    const columns: [number, number] = [left, w - side - left];
    return tf.tidy(() => tf.pad(tf.zeros([side, side]), [rows, columns], 1) as tf.Tensor2D);
  }
  const path = stringOption(ctx, 'mask');
  const mask = await readImage(path, { channels: 1 });
  const [mh, mw] = mask.shape;
  if (mh !== h || mw !== w) {
    mask.dispose();
    throw new UsageError(`--mask ${path} is ${mw}x${mh}, the image ${w}x${h}: give a mask of the image's size`);
  }
  const known = tf.tidy(() => tf.cast(tf.less(tf.squeeze(mask, [2]), 0.5), 'float32')) as tf.Tensor2D;
  mask.dispose();
  const fill = h * w - (await known.sum().data())[0];
  if (fill === 0 || fill === h * w) {
    known.dispose();
    throw new UsageError(
      fill === 0
        ? `--mask ${path} marks no pixel to fill (white marks the hole; it is all black)`
        : `--mask ${path} marks every pixel to fill (white marks the hole; it is all white)`,
    );
  }
  return known;
}

/** The measurement operator of a task on images of `shape`, from the task's options. */
async function operatorFor(ctx: CommandContext, task: Task, shape: [number, number, number]): Promise<LinearOperator> {
  const [h, w] = shape;
  const seed = intOption(ctx, 'seed', 0, 0);
  const keep = () => numberOption(ctx, 'keep', 0.1, 1e-4, 0.9999);
  switch (task) {
    case 'sr': {
      const factor = intOption(ctx, 'factor', 4, 2, 64);
      if (h % factor !== 0 || w % factor !== 0) {
        const fit = `${Math.floor(w / factor) * factor}x${Math.floor(h / factor) * factor}`;
        throw new UsageError(`--factor ${factor} does not divide the image size ${w}x${h}; crop it to ${fit}`);
      }
      return blockAverageOperator(shape, factor);
    }
    case 'inpaint': {
      const known = await knownPixels(ctx, h, w);
      try {
        return await maskOperator(known, shape[2], 'inpainting');
      } finally {
        known.dispose();
      }
    }
    case 'pixels':
      return randomPixelsOperator(shape, keep(), { seed });
    case 'deblur':
      return gaussianBlurOperator(shape, numberOption(ctx, 'blur', 2, 0.1, Math.min(h, w) / 4));
    case 'cs':
      return randomProjectionOperator(shape, keep(), { seed });
  }
}

async function scores(x: tf.Tensor, reference: tf.Tensor): Promise<{ psnr: number; ssim: number }> {
  const clipped = tf.clipByValue(x, 0, 1);
  try {
    return {
      psnr: await psnr(clipped, reference, { dataRange: 1 }),
      ssim: await ssim(clipped, reference, { dataRange: 1 }),
    };
  } finally {
    clipped.dispose();
  }
}

/** Writes `x` clipped to [0, 1] through the command's atomic output. */
async function writeClipped(ctx: CommandContext, path: string, x: tf.Tensor): Promise<void> {
  const clipped = tf.clipByValue(x, 0, 1);
  try {
    await writeImage(await ctx.output(path), clipped as tf.Tensor4D);
  } finally {
    clipped.dispose();
  }
}

const sibling = (out: string, tag: string) => out.replace(/(\.[^.]+)?$/, (ext) => `.${tag}${ext || '.png'}`);

export const restoreCommand: Command = {
  name: 'restore',
  summary:
    'Solve a linear inverse problem (super-resolution, inpainting, missing pixels, deblurring, compressive sensing)',
  usage: [
    'IMAGE --task sr|inpaint|pixels|deblur|cs --out OUT [--model NAME|DIR] [--mask M] [--factor 4] [--keep 0.1]',
    '    [--blur 2] [--samples 1] [--mean] [--seed 0] [--json]',
    '  IMAGE is the original: restore measures it as the task says (block averages of --factor x --factor pixels;',
    '  the pixels outside --mask, white marking the hole, default a centred square; a random --keep fraction of the',
    '  pixels; a Gaussian blur of std --blur pixels; a --keep fraction of random orthogonal projections), draws',
    '  --samples images with that measurement from the prior in the denoiser (Kadkhodaie & Simoncelli 2021;',
    `  default model ${DEFAULT_RESTORE_MODEL}), and compares them with IMAGE and with the classic baseline (bicubic,`,
    '  harmonic fill, Wiener deconvolution, least-norm pseudo-inverse). Writes OUT (the first sample, or with --mean',
    '  the mean of the samples), OUT.measured.png (what the measurement shows) and OUT.baseline.png.',
  ].join('\n'),
  options: {
    task: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    mask: { type: 'string' },
    factor: { type: 'string' },
    keep: { type: 'string' },
    blur: { type: 'string' },
    samples: { type: 'string' },
    mean: { type: 'boolean' },
    seed: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('give exactly one IMAGE to measure and restore');
    if (ctx.values.task === undefined) throw new UsageError(`--task is required: ${TASKS.join(', ')}`);
    const task = choiceOption(ctx, 'task', TASKS, 'sr');
    const out = resolve(stringOption(ctx, 'out'));
    const samples = intOption(ctx, 'samples', 1, 1, 64);
    const seed = intOption(ctx, 'seed', 0, 0);
    await initBackend(undefined, { log: !ctx.json });
    const modelName = ctx.values.model === undefined ? DEFAULT_RESTORE_MODEL : stringOption(ctx, 'model');
    const model = await resolveDenoiser(modelName);
    ctx.defer(() => model.dispose());
    const keep = <T extends tf.Tensor>(t: T): T => {
      ctx.defer(() => t.dispose());
      return t;
    };
    const image = keep(await readImage(ctx.positionals[0], { channels: model.config.channels }));
    const operator = await operatorFor(ctx, task, image.shape as [number, number, number]);
    ctx.defer(() => operator.dispose());
    const clean = keep(tf.expandDims(image, 0) as tf.Tensor4D);
    const measured = keep(operator.forward(clean));
    const shown = task === 'deblur' ? measured : keep(operator.pseudoInverse(measured));
    const t0 = performance.now();
    const baseline = keep(await operator.classic(measured));
    const baselineSeconds = (performance.now() - t0) / 1000;
    const bar = ctx.json ? undefined : progressBar(`restore ${task}`, process.stderr);
    ctx.defer(() => bar?.done());
    const result = await solveInverseProblem(model, operator, measured, {
      samples,
      seed,
      signal: ctx.signal,
      ...(bar && { onProgress: bar }),
    });
    bar?.done();
    keep(result.samples);
    keep(result.mean);
    const first = keep(tf.slice(result.samples, [0], [1]));
    await writeClipped(ctx, out, ctx.values.mean ? result.mean : first);
    await writeClipped(ctx, sibling(out, 'measured'), shown);
    await writeClipped(ctx, sibling(out, 'baseline'), baseline);
    const summary = {
      out,
      task,
      model: modelName,
      measurement: operator.name,
      measured: operator.measurements / image.size,
      method: result.method,
      samples,
      sample: await scores(first, clean),
      ...(samples > 1 && { mean: await scores(result.mean, clean) }),
      baseline: { ...(await scores(baseline, clean)), seconds: baselineSeconds },
      evaluations: result.evaluations,
      steps: result.steps,
      seconds: result.seconds,
      converged: result.converged,
    };
    if (ctx.json) ctx.printJson(summary);
    else {
      const mean = summary.mean ? `, mean of ${samples} ${summary.mean.psnr.toFixed(2)} dB` : '';
      ctx.log(
        `restore ${task}: wrote ${out}; PSNR ${summary.sample.psnr.toFixed(2)} dB (one sample${mean}), ` +
          `baseline ${summary.baseline.psnr.toFixed(2)} dB; ${result.evaluations} evaluations, ${result.seconds.toFixed(1)} s`,
      );
    }
    return 0;
  },
};

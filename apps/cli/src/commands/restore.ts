import { resolve } from 'node:path';
import { initBackend, progressBar, readImage, tf, writeImage } from '@scalespace/core';
import { solveInverseProblem } from '@scalespace/denoisers';
import { psnr, ssim } from '@scalespace/metrics';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, stringOption, UsageError } from '../command.js';
import { choice, flag, int, model, num, text } from '../options.js';
import { DEFAULT_RESTORE_MODEL, DENOISER_KINDS, loadDenoiserOption } from './denoiser-models.js';
import { operatorFor, TASKS } from './restore-tasks.js';

/** PSNR and SSIM of `x`, clipped to [0, 1], against the reference. */
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
  usage: 'IMAGE',
  help: [
    'IMAGE is the original: restore measures it as --task says, draws --samples images with that measurement from the',
    'prior in the denoiser (Kadkhodaie & Simoncelli 2021), and compares them with IMAGE and with the classic baseline',
    '(bicubic, harmonic fill, Wiener deconvolution, least-norm pseudo-inverse). Writes OUT (the first sample, or with',
    '--mean the mean of the samples), OUT.measured.png (what the measurement shows) and OUT.baseline.png.',
    'Tasks: sr, block averages of --factor x --factor pixels; inpaint, the pixels outside --mask; pixels, a random',
    '--keep fraction of the pixels; deblur, a Gaussian blur of std --blur pixels; cs, a --keep fraction of random',
    'orthogonal projections.',
  ].join('\n'),
  options: {
    task: choice(TASKS, 'the measurement to restore from', { required: true }),
    out: text('OUT', 'the restored image', { required: true }),
    model: model(DENOISER_KINDS, 'the denoiser whose prior restores', { default: DEFAULT_RESTORE_MODEL }),
    mask: text('M', 'inpaint: white marks the hole to fill, black the pixels kept (the size of IMAGE)', {
      defaultText: 'a centred square of a quarter of the shorter side',
    }),
    factor: int('sr: the downscaling factor (it must divide the image size)', { default: 4, min: 2, max: 64 }),
    keep: num('pixels and cs: the fraction of the pixels or projections measured', {
      default: 0.1,
      min: 1e-4,
      max: 0.9999,
    }),
    blur: num('deblur: the Gaussian blur std in pixels', {
      default: 2,
      min: 0.1,
      rangeText: '0.1 to a quarter of the shorter side',
    }),
    samples: int('restorations drawn', { default: 1, max: 64 }),
    mean: flag('write the mean of the samples instead of the first'),
    seed: int('the random seed of the measurement and the samples', { default: 0, min: 0 }),
  },
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('give exactly one IMAGE to measure and restore');
    if (ctx.values.task === undefined) throw new UsageError(`--task is required: ${TASKS.join(', ')}`);
    const task = choiceOption(ctx, 'task', TASKS, 'sr');
    const out = resolve(stringOption(ctx, 'out'));
    const samples = intOption(ctx, 'samples');
    const seed = intOption(ctx, 'seed');
    await initBackend(undefined, { log: !ctx.json });
    const modelName = stringOption(ctx, 'model');
    const model = await loadDenoiserOption(ctx);
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

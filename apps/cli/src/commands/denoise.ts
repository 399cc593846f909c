import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { InvalidArgumentError, initBackend, progressBar, readImage, rng, tf, writeImage } from '@scalespace/core';
import {
  createDenoiser,
  type DenoiserConfig,
  denoiseTiled,
  type MultiscaleDenoiser,
  trainDenoiser,
} from '@scalespace/denoisers';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, numberOption, stringOption, UsageError } from '../command.js';
import { DEFAULT_DENOISER, resolveDenoiser } from './denoiser-models.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff']);

/** Every image file under a folder (recursive), sorted by path so the order does not depend on the file system. */
async function imageFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** Training images named by --data: `folder:PATH` (any images, recursively). */
async function loadTrainingImages(spec: string, channels: 1 | 3): Promise<{ images: tf.Tensor3D[]; files: string[] }> {
  if (spec.startsWith('folder:')) {
    const folder = resolve(spec.slice('folder:'.length));
    if (!existsSync(folder) || !statSync(folder).isDirectory())
      throw new UsageError(`--data ${spec}: "${folder}" is not a folder`);
    const files = await imageFiles(folder);
    if (files.length === 0) throw new UsageError(`--data ${spec}: no PNG/JPEG/WebP/TIFF images under "${folder}"`);
    return { images: await Promise.all(files.map((f) => readImage(f, { channels }))), files };
  }
  if (spec === 'mnist') {
    throw new UsageError(
      '--data mnist needs the MNIST reader of @scalespace/data, which is not published yet; use --data folder:PATH',
    );
  }
  throw new UsageError(`--data must be folder:PATH or mnist, got "${spec}"`);
}

const netOptions = (ctx: CommandContext, prefix: string, rf: number) => ({
  depth: intOption(ctx, `${prefix}depth`, 21, 2, 200),
  width: intOption(ctx, `${prefix}width`, 32, 1, 1024),
  rf: intOption(ctx, `${prefix}rf`, rf, 1, 401),
});

export const trainDenoiserCommand: Command = {
  name: 'train denoiser',
  summary: 'Train a bias-free denoiser (flat BF-CNN or multi-scale wavelet-conditional) on random noisy patches',
  usage:
    '--data folder:PATH|mnist --out DIR [--kind flat|multiscale] [--rf 13] [--depth 21] [--width 32] [--levels 2]\n' +
    '    [--lowpass-rf 43] [--lowpass-depth 21] [--lowpass-width 32] [--conditional-output details|noise]\n' +
    '    [--lowpass-from MODEL] [--train all|lowpass|conditionals] [--band-sigma image|band] [--channels 1|3]\n' +
    '    [--patch 40] [--batch 16]\n' +
    '    [--steps 2000] [--stop-at STEP] [--freeze-norm-at STEP] [--lr 0.001] [--sigma-max 1] [--sigma-power 1]\n' +
    '    [--zero-init-output] [--seed 0] [--checkpoint-every 100] [--resume | --force] [--json]\n' +
    '  --stop-at ends this run at STEP with a checkpoint; --resume continues it. --freeze-norm-at: from STEP on,\n' +
    '  batch norm trains with its running std (the function inference uses). --lowpass-from: copy the low-pass\n' +
    '  denoiser of a multi-scale MODEL (a checkpoint or shipped name) and train only the conditionals. --train:\n' +
    '  which networks of a multi-scale model learn (the others keep their initial or copied weights).',
  options: {
    data: { type: 'string' },
    out: { type: 'string' },
    kind: { type: 'string' },
    rf: { type: 'string' },
    depth: { type: 'string' },
    width: { type: 'string' },
    levels: { type: 'string' },
    'lowpass-rf': { type: 'string' },
    'lowpass-depth': { type: 'string' },
    'lowpass-width': { type: 'string' },
    'conditional-output': { type: 'string' },
    'lowpass-from': { type: 'string' },
    'band-sigma': { type: 'string' },
    train: { type: 'string' },
    'sigma-power': { type: 'string' },
    'zero-init-output': { type: 'boolean' },
    channels: { type: 'string' },
    patch: { type: 'string' },
    batch: { type: 'string' },
    steps: { type: 'string' },
    'stop-at': { type: 'string' },
    'freeze-norm-at': { type: 'string' },
    lr: { type: 'string' },
    'sigma-max': { type: 'string' },
    seed: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  allowPositionals: false,
  async run(ctx) {
    const kind = choiceOption(ctx, 'kind', ['flat', 'multiscale'], 'flat');
    const channels = intOption(ctx, 'channels', 1, 1, 3);
    if (channels !== 1 && channels !== 3) throw new UsageError(`--channels must be 1 or 3, got ${channels}`);
    const out = resolve(stringOption(ctx, 'out'));
    const data = stringOption(ctx, 'data');
    const conditionalOutput = choiceOption(ctx, 'conditional-output', ['details', 'noise'], 'details');
    const config: DenoiserConfig =
      kind === 'flat'
        ? { kind, channels, net: netOptions(ctx, '', 13) }
        : {
            kind,
            channels,
            levels: intOption(ctx, 'levels', 2, 1, 8),
            lowpass: netOptions(ctx, 'lowpass-', 43),
            conditional: netOptions(ctx, '', 13),
            conditionalOutput,
          };
    const steps = intOption(ctx, 'steps', 2000);
    const options = {
      steps,
      batchSize: intOption(ctx, 'batch', 16),
      patchSize: intOption(ctx, 'patch', 40, 2),
      lr: numberOption(ctx, 'lr', 1e-3, 1e-7, 1),
      sigmaRange: [0, numberOption(ctx, 'sigma-max', 1, 1e-3, 10)] as [number, number],
      bandSigma: choiceOption(ctx, 'band-sigma', ['image', 'band'], 'image'),
      sigmaPower: numberOption(ctx, 'sigma-power', 1, 0.1, 10),
      zeroInitOutput: ctx.values['zero-init-output'] === true,
      seed: intOption(ctx, 'seed', 0, 0),
      checkpointEvery: intOption(ctx, 'checkpoint-every', 100),
    };
    const reusesLowpass = ctx.values['lowpass-from'] !== undefined;
    const train = choiceOption(
      ctx,
      'train',
      ['all', 'lowpass', 'conditionals'],
      reusesLowpass ? 'conditionals' : 'all',
    );
    if (train !== 'all' && kind !== 'multiscale') throw new UsageError(`--train ${train} needs --kind multiscale`);
    if (reusesLowpass && kind !== 'multiscale') throw new UsageError('--lowpass-from needs --kind multiscale');
    const backend = await initBackend(undefined, { log: !ctx.json });
    const { images, files } = await loadTrainingImages(data, channels);
    ctx.defer(() => tf.dispose(images));
    const model = createDenoiser(config, { seed: options.seed });
    ctx.defer(() => model.dispose());
    if (reusesLowpass) await copyLowpass(model as MultiscaleDenoiser, stringOption(ctx, 'lowpass-from'));
    if (train !== 'all') {
      const ms = model as MultiscaleDenoiser;
      ms.lowpass.setTrainable(train === 'lowpass');
      for (const net of ms.conditionals) net.setTrainable(train === 'conditionals');
    }
    ctx.log(
      `train denoiser: ${kind}, ${model.numParameters()} parameters, ${files.length} images, ${steps} steps on ${backend}`,
    );
    const bar = ctx.json ? undefined : progressBar(`train ${kind}`, process.stderr);
    ctx.defer(() => bar?.done());
    const result = await trainDenoiser(model, {
      ...options,
      images,
      out,
      resume: ctx.values.resume === true,
      force: ctx.values.force === true,
      ...(ctx.values['stop-at'] !== undefined && { stopAt: intOption(ctx, 'stop-at', steps, 1, steps) }),
      ...(ctx.values['freeze-norm-at'] !== undefined && {
        freezeNormAt: intOption(ctx, 'freeze-norm-at', steps, 0, steps),
      }),
      signal: ctx.signal,
      ...(bar && { onProgress: bar }),
    });
    bar?.done();
    const summary = {
      out,
      config,
      parameters: model.numParameters(),
      images: files.length,
      ...options,
      startStep: result.startStep,
      stepsRun: result.steps,
      seconds: result.seconds,
      lastLoss: result.lastLoss,
      lossFirst: mean(result.losses.slice(0, 20)),
      lossLast: mean(result.losses.slice(-20)),
    };
    if (ctx.json) ctx.printJson(summary);
    else
      ctx.log(
        `train denoiser: wrote ${out} (loss ${summary.lossFirst?.toFixed(5)} -> ${summary.lossLast?.toFixed(5)})`,
      );
    return 0;
  },
};

/** Copies the low-pass denoiser of another multi-scale model into `model` (`--train` decides whether it learns). */
async function copyLowpass(model: MultiscaleDenoiser, name: string): Promise<void> {
  const source = await resolveDenoiser(name);
  try {
    if (source.config.kind !== 'multiscale')
      throw new UsageError(`--lowpass-from ${name}: that is a ${source.config.kind} model, not a multi-scale one`);
    try {
      model.copyLowpassFrom(source as MultiscaleDenoiser);
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      throw new UsageError(`--lowpass-from ${name}: ${error.message}; pass the same --lowpass-* options`);
    }
  } finally {
    source.dispose();
  }
}

function mean(values: number[]): number | undefined {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : undefined;
}

const psnr = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(
    () => -10 * Math.log10(Math.max(1e-20, tf.mean(tf.square(tf.sub(tf.clipByValue(a, 0, 1), b))).dataSync()[0])),
  );

export const denoiseCommand: Command = {
  name: 'denoise',
  summary:
    'Denoise an image of any size with a bias-free denoiser, in tiles when it does not fit in memory at once ' +
    '(optionally adding Gaussian noise of --sigma first)',
  usage:
    `IMAGE --out OUT [--model NAME|DIR] [--sigma 25] [--ref REF] [--seed 0] [--json]\n` +
    `  --model: a checkpoint folder or a shipped model (default ${DEFAULT_DENOISER}, the best on held-out photos):\n` +
    '  flat-rf5|9|13|23|43, multiscale-rf5|9|13|23|43 (the official nets, grey CelebA 160x160), multiscale320-rf13\n' +
    '  (official, CelebA 320x320), denoiser-flat-rf43, denoiser-multiscale-rf13 (trained by scalespace on 9 photos).',
  options: {
    model: { type: 'string' },
    out: { type: 'string' },
    sigma: { type: 'string' },
    ref: { type: 'string' },
    seed: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('give exactly one IMAGE to denoise');
    const input = ctx.positionals[0];
    const out = resolve(stringOption(ctx, 'out'));
    const sigma = ctx.values.sigma === undefined ? undefined : numberOption(ctx, 'sigma', 0, 0, 255);
    const seed = intOption(ctx, 'seed', 0, 0);
    await initBackend(undefined, { log: !ctx.json });
    const model = await resolveDenoiser(ctx.values.model === undefined ? DEFAULT_DENOISER : stringOption(ctx, 'model'));
    ctx.defer(() => model.dispose());
    const channels = model.config.channels;
    const image = await readImage(input, { channels });
    ctx.defer(() => image.dispose());
    // With --sigma the input is taken as clean: noise of sigma / 255 is added and the input is the reference.
    const noisy =
      sigma === undefined
        ? image
        : tf.tidy(() => tf.add(image, rng(seed).normalTensor(image.shape, { std: sigma / 255 })) as tf.Tensor3D);
    if (noisy !== image) ctx.defer(() => noisy.dispose());
    const reference = ctx.values.ref
      ? await readImage(stringOption(ctx, 'ref'), { channels })
      : sigma !== undefined
        ? image
        : undefined;
    if (reference && reference !== image) ctx.defer(() => reference.dispose());
    if (reference && reference.shape.join() !== image.shape.join()) {
      throw new UsageError(`--ref is ${reference.shape.join('x')}, the image ${image.shape.join('x')}`);
    }
    const bar = ctx.json ? undefined : progressBar('denoise');
    const result = await denoiseTiled(model, noisy, { signal: ctx.signal, ...(bar && { onProgress: bar }) });
    bar?.done();
    ctx.defer(() => result.image.dispose());
    await writeImage(await ctx.output(out), result.image);
    if (sigma !== undefined) await writeImage(await ctx.output(out.replace(/(\.[^.]+)$/, '.noisy$1')), noisy);
    const summary = {
      out,
      model: model.config,
      evaluations: result.evaluations,
      tiles: result.tiles,
      seconds: result.seconds,
      sigmaEstimate: result.sigmaEstimate[0] * 255,
      ...(sigma !== undefined && { sigma }),
      ...(reference && { psnr: await psnr(result.image, reference), psnrNoisy: await psnr(noisy, reference) }),
    };
    if (ctx.json) ctx.printJson(summary);
    else
      ctx.log(
        `denoise: wrote ${out} in ${summary.seconds.toFixed(2)} s` +
          (result.tiles > 1 ? ` (${result.tiles} tiles)` : '') +
          (summary.psnr !== undefined
            ? `, PSNR ${summary.psnr.toFixed(2)} dB (noisy ${summary.psnrNoisy?.toFixed(2)})`
            : ''),
      );
    return 0;
  },
};

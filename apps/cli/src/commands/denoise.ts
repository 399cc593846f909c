import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, initBackend, progressBar, readImage, rng, tf, writeImage } from '@scalespace/core';
import { listImages, loadMnist } from '@scalespace/data';
import {
  createDenoiser,
  type DenoiserConfig,
  denoiseTiled,
  type HostImage,
  type MultiscaleDenoiser,
  trainDenoiser,
} from '@scalespace/denoisers';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, numberOption, optional, stringOption, UsageError } from '../command.js';
import { type CommandOptions, choice, flag, int, model, num, text } from '../options.js';
import { DEFAULT_DENOISER, DENOISER_KINDS, loadDenoiserOption } from './denoiser-models.js';

const MNIST_SIDE = 32;

/** The MNIST training digits padded 28 -> 32 (as every scalespace MNIST model sees them), as host images. */
async function mnistDigits(channels: 1 | 3, patch: number): Promise<HostImage[]> {
  if (channels !== 1) throw new UsageError('--data mnist is grey: use --channels 1');
  if (patch > MNIST_SIDE)
    throw new UsageError(`--data mnist: digits are ${MNIST_SIDE}x${MNIST_SIDE}; use --patch ${MNIST_SIDE} or less`);
  const digits = await loadMnist('train');
  const [h, w] = digits.shape;
  const pad = (MNIST_SIDE - h) / 2;
  const images: HostImage[] = [];
  for (let i = 0; i < digits.size; i++) {
    const data = new Float32Array(MNIST_SIDE * MNIST_SIDE);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) data[(y + pad) * MNIST_SIDE + x + pad] = digits.data[(i * h + y) * w + x] / 255;
    }
    images.push({ data, height: MNIST_SIDE, width: MNIST_SIDE, channels: 1 });
  }
  return images;
}

/** Training images named by --data: `folder:PATH` (any images, recursively) or `mnist` (the training digits). */
async function loadTrainingImages(
  spec: string,
  channels: 1 | 3,
  patch: number,
): Promise<{ images: Array<tf.Tensor3D | HostImage>; count: number }> {
  if (spec.startsWith('folder:')) {
    const folder = resolve(spec.slice('folder:'.length));
    if (!existsSync(folder) || !statSync(folder).isDirectory())
      throw new UsageError(`--data ${spec}: "${folder}" is not a folder`);
    const files = await listImages(folder);
    if (files.length === 0) throw new UsageError(`--data ${spec}: no PNG/JPEG/WebP/TIFF images under "${folder}"`);
    return { images: await Promise.all(files.map((f) => readImage(f, { channels }))), count: files.length };
  }
  if (spec === 'mnist') {
    const images = await mnistDigits(channels, patch);
    return { images, count: images.length };
  }
  throw new UsageError(`--data must be folder:PATH or mnist, got "${spec}"`);
}

const netOptions = (ctx: CommandContext, prefix: string) => ({
  depth: intOption(ctx, `${prefix}depth`),
  width: intOption(ctx, `${prefix}width`),
  rf: intOption(ctx, `${prefix}rf`),
});

/** --rf, --depth and --width of one network (`prefix` lowpass- for the low-pass one). */
const netSpecs = (prefix: string, which: string, rf: number): CommandOptions => ({
  [`${prefix}rf`]: int(`the receptive field of ${which}, in pixels`, { default: rf, max: 401 }),
  [`${prefix}depth`]: int(`convolution layers of ${which}`, { default: 21, min: 2, max: 200 }),
  [`${prefix}width`]: int(`channels of ${which}`, { default: 32, max: 1024 }),
});

export const trainDenoiserCommand: Command = {
  name: 'train denoiser',
  summary: 'Train a bias-free denoiser (flat BF-CNN or multi-scale wavelet-conditional) on random noisy patches',
  usage: '',
  help: [
    '--stop-at ends this run at STEP with a checkpoint; --resume continues it. --freeze-norm-at: from STEP on, batch',
    'norm trains with its running std (the function inference uses). --lowpass-from copies the low-pass denoiser of a',
    'multi-scale model and trains only the conditionals.',
  ].join('\n'),
  options: {
    data: text(
      'folder:PATH|mnist',
      'the training images: any images under PATH (recursively), or the MNIST training digits padded to 32x32',
      {
        required: true,
      },
    ),
    out: text('DIR', 'the run folder: checkpoints, the log and the model', { required: true }),
    kind: choice(['flat', 'multiscale'], 'a flat BF-CNN or a multi-scale wavelet-conditional denoiser', {
      default: 'flat',
    }),
    ...netSpecs('', 'the flat network or the conditional ones', 13),
    levels: int('wavelet levels of a multi-scale model', { default: 2, max: 8 }),
    ...netSpecs('lowpass-', 'the low-pass network', 43),
    'conditional-output': choice(['details', 'noise'], 'what the conditional networks predict', { default: 'details' }),
    'lowpass-from': model(
      DENOISER_KINDS,
      'a multi-scale model whose low-pass denoiser to copy (the --lowpass-* options must match it)',
    ),
    train: choice(
      ['all', 'lowpass', 'conditionals'],
      'which networks of a multi-scale model learn (the others keep their initial or copied weights)',
      {
        defaultText: 'conditionals with --lowpass-from, else all',
      },
    ),
    'band-sigma': choice(
      ['image', 'band'],
      "multi-scale: whether each band trains on the image noise's std there or on the drawn std itself",
      {
        default: 'image',
      },
    ),
    channels: int('1 (grey) or 3 (colour)', { default: 1, max: 3 }),
    patch: int('the side of the training patches', { default: 40, min: 2 }),
    batch: int('patches per step', { default: 16 }),
    steps: int('training steps', { default: 2000 }),
    'stop-at': int('end this run at STEP (with a checkpoint)', { value: 'STEP', rangeText: '1 to --steps' }),
    'freeze-norm-at': int('from STEP on, batch norm trains with its running std', {
      value: 'STEP',
      rangeText: '0 to --steps',
    }),
    lr: num('the learning rate', { default: 1e-3, min: 1e-7, max: 1 }),
    'sigma-max': num('the largest noise std drawn (images in [0, 1])', { default: 1, min: 1e-3, max: 10 }),
    'sigma-power': num('skews the noise std towards small values: sigma-max * u^P for uniform u (1: uniform)', {
      value: 'P',
      default: 1,
      min: 0.1,
      max: 10,
    }),
    'zero-init-output': flag("start each trained network's last convolution at zero (a fresh run)"),
    seed: int('the random seed', { default: 0, min: 0 }),
    'checkpoint-every': int('steps between checkpoints', { default: 100 }),
    resume: flag('continue the run in --out'),
    force: flag('start over in an --out that holds a run'),
  },
  allowPositionals: false,
  async run(ctx) {
    const kind = choiceOption<'flat' | 'multiscale'>(ctx, 'kind');
    const channels = intOption(ctx, 'channels');
    if (channels !== 1 && channels !== 3) throw new UsageError(`--channels must be 1 or 3, got ${channels}`);
    const out = resolve(stringOption(ctx, 'out'));
    const data = stringOption(ctx, 'data');
    const conditionalOutput = choiceOption<'details' | 'noise'>(ctx, 'conditional-output');
    const config: DenoiserConfig =
      kind === 'flat'
        ? { kind, channels, net: netOptions(ctx, '') }
        : {
            kind: 'multiscale',
            channels,
            levels: intOption(ctx, 'levels'),
            lowpass: netOptions(ctx, 'lowpass-'),
            conditional: netOptions(ctx, ''),
            conditionalOutput,
          };
    const steps = intOption(ctx, 'steps');
    const options = {
      steps,
      batchSize: intOption(ctx, 'batch'),
      patchSize: intOption(ctx, 'patch'),
      lr: numberOption(ctx, 'lr'),
      sigmaRange: [0, numberOption(ctx, 'sigma-max')] as [number, number],
      bandSigma: choiceOption<'image' | 'band'>(ctx, 'band-sigma'),
      sigmaPower: numberOption(ctx, 'sigma-power'),
      zeroInitOutput: ctx.values['zero-init-output'] === true,
      seed: intOption(ctx, 'seed'),
      checkpointEvery: intOption(ctx, 'checkpoint-every'),
    };
    const reusesLowpass = ctx.values['lowpass-from'] !== undefined;
    const train = choiceOption<string>(ctx, 'train', undefined, reusesLowpass ? 'conditionals' : 'all');
    if (train !== 'all' && kind !== 'multiscale') throw new UsageError(`--train ${train} needs --kind multiscale`);
    if (reusesLowpass && kind !== 'multiscale') throw new UsageError('--lowpass-from needs --kind multiscale');
    const backend = await initBackend(undefined, { log: !ctx.json });
    const { images, count } = await loadTrainingImages(data, channels, options.patchSize);
    ctx.defer(() => tf.dispose(images.filter((i): i is tf.Tensor3D => i instanceof tf.Tensor)));
    const model = createDenoiser(config, { seed: options.seed });
    ctx.defer(() => model.dispose());
    if (reusesLowpass) await copyLowpass(ctx, model as MultiscaleDenoiser);
    if (train !== 'all') {
      const ms = model as MultiscaleDenoiser;
      ms.lowpass.setTrainable(train === 'lowpass');
      for (const net of ms.conditionals) net.setTrainable(train === 'conditionals');
    }
    ctx.log(
      `train denoiser: ${kind}, ${model.numParameters()} parameters, ${count} images, ${steps} steps on ${backend}`,
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
      images: count,
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
async function copyLowpass(ctx: CommandContext, model: MultiscaleDenoiser): Promise<void> {
  const name = stringOption(ctx, 'lowpass-from');
  const source = await loadDenoiserOption(ctx, 'lowpass-from');
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
  usage: 'IMAGE',
  options: {
    out: text('OUT', 'the denoised image (with --sigma also OUT.noisy.png, the noisy input)', { required: true }),
    model: model(DENOISER_KINDS, 'the denoiser (the default is the best on held-out photos)', {
      default: DEFAULT_DENOISER,
    }),
    sigma: num('add Gaussian noise of this std (in 0..255 grey levels) first, taking IMAGE as clean', {
      min: 0,
      max: 255,
    }),
    ref: text('REF', 'a clean reference image: the PSNR of the result and of the input against it'),
    seed: int('the noise seed of --sigma', { default: 0, min: 0 }),
  },
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('give exactly one IMAGE to denoise');
    const input = ctx.positionals[0];
    const out = resolve(stringOption(ctx, 'out'));
    const sigma = optional(ctx, 'sigma', numberOption);
    const seed = intOption(ctx, 'seed');
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadDenoiserOption(ctx);
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

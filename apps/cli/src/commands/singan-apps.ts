import { InvalidArgumentError, initBackend, tf, throwIfAborted } from '@scalespace/core';
import { resize } from '@scalespace/pyramids';
import {
  dilateMask,
  MASK_DILATION,
  type PetsGAN,
  parseSize,
  type SinGAN,
  type SingleImageModel,
  type Size,
  writeAnimation,
} from '@scalespace/singan';
import { type Command, type CommandContext, intOption, numberOption, stringOption, UsageError } from '../command.js';
import { type CommandOptions, int, num, text } from '../options.js';
import { checkOutputMemory, loadSinganModel, readInput, SINGLE_IMAGE_KINDS, writeOutputs } from './singan-inputs.js';

// `scalespace singan harmonize|edit|paint|sr|animate MODEL ...`: SinGAN's applications (Shaham et al., ICCV 2019,
// section 4) on a trained SinGAN or PetsGAN model, with the options of the original code (tamarott/SinGAN).

/** The options of every application that writes outputs from seeds. */
const OUTPUT_OPTIONS: CommandOptions = {
  out: text('FILE', 'the output PNG (a grid when --n > 1); written only when the command succeeds', { required: true }),
  n: int('outputs, from seeds SEED .. SEED + N - 1', { default: 1, max: 64 }),
  seed: int('the noise seed', { value: 'SEED', default: 0, min: 0 }),
};

/** Reads --size WIDTHxHEIGHT (undefined when absent). */
function sizeOption(ctx: CommandContext): Size | undefined {
  const text = ctx.values.size;
  if (typeof text !== 'string') return undefined;
  try {
    return parseSize(text, '--size');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** --start-scale in the model's injection range (one line naming it when out of range). */
function injectScale(ctx: CommandContext, model: SingleImageModel): number {
  const { min, max, default: fallback } = model.injectScales();
  if (ctx.values['start-scale'] === undefined) return fallback;
  return intOption(ctx, 'start-scale', fallback, min, max);
}

function report(ctx: CommandContext, result: Record<string, unknown>, line: string): void {
  if (ctx.json) ctx.printJson(result);
  else ctx.log(line);
}

/** An image at `size` (bicubic, MATLAB conventions, as the original's imresize_to_shape), clipped to [0, 1]. */
function toSize(image: tf.Tensor3D, [h, w]: Size): tf.Tensor3D {
  if (image.shape[0] === h && image.shape[1] === w) return image.clone();
  return tf.tidy(() => {
    const resized = resize(tf.expandDims(image, 0) as tf.Tensor4D, { height: h, width: w, method: 'bicubic' });
    return tf.clipByValue(tf.squeeze(resized, [0]), 0, 1) as tf.Tensor3D;
  });
}

type Injection = 'harmonize' | 'edit' | 'paint';

/** harmonize / edit / paint: inject IMAGE at --start-scale (and, with a mask, blend it in). */
async function runInjection(ctx: CommandContext, kind: Injection): Promise<number> {
  const [modelName, imagePath, ...extra] = ctx.positionals;
  if (!modelName || !imagePath || extra.length > 0) throw new UsageError('give a MODEL and an IMAGE');
  const out = stringOption(ctx, 'out');
  const n = intOption(ctx, 'n');
  const seed = intOption(ctx, 'seed');
  const maskPath = kind === 'paint' ? undefined : stringOption(ctx, 'mask');
  const radius = kind === 'paint' ? 0 : intOption(ctx, 'dilate');
  const sigma = kind === 'paint' ? 0 : numberOption(ctx, 'blur');
  const started = performance.now();
  await initBackend(undefined, { log: !ctx.json });
  const model = await loadSinganModel(ctx, modelName);
  const scale = injectScale(ctx, model);
  const size = model.imageSize;
  const read = await readInput(ctx, imagePath, 'IMAGE', 3);
  // As the original, the image (and its mask) are brought to the training image's size.
  const image = toSize(read, size);
  ctx.defer(() => image.dispose());
  let mask: tf.Tensor3D | undefined;
  if (maskPath) {
    const raw = await readInput(ctx, maskPath, '--mask', 1);
    if (raw.shape[0] !== read.shape[0] || raw.shape[1] !== read.shape[1])
      throw new InvalidArgumentError(
        `--mask is ${raw.shape[1]}x${raw.shape[0]} but IMAGE is ${read.shape[1]}x${read.shape[0]}; give a mask of the image's size`,
      );
    const resized = toSize(raw, size);
    mask = dilateMask(resized, { radius, sigma });
    resized.dispose();
    ctx.defer(() => mask?.dispose());
    const peak = tf.tidy(() => tf.max(mask as tf.Tensor3D));
    const set = (await peak.data())[0] > 0;
    peak.dispose();
    if (!set)
      throw new InvalidArgumentError(
        `--mask "${maskPath}" marks nothing: white (above 1/255) marks what to re-synthesise`,
      );
  }
  await checkOutputMemory(model, { size, n }, `${n} output${n > 1 ? 's' : ''}`);
  const file = await ctx.output(out);
  const [h, w] = await writeOutputs(ctx, file, { n, seed, label: kind }, (s) =>
    model.inject({ image, scale, seed: s, ...(mask && { mask }) }),
  );
  const result = {
    out,
    command: kind,
    method: model.method,
    startScale: scale,
    scales: model.injectScales(),
    ...(mask && { dilate: radius, blur: sigma }),
    n,
    seed,
    size: `${w}x${h}`,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
  report(ctx, result, `wrote ${out}: ${kind} of ${imagePath} at scale ${scale} (${model.method}, ${w}x${h})`);
  return 0;
}

function injectionCommand(kind: Injection, summary: string, help: string[]): Command {
  return {
    name: `singan ${kind}`,
    summary,
    usage: 'MODEL IMAGE',
    modelArgument: SINGLE_IMAGE_KINDS,
    help: help.join('\n'),
    options: { ...(kind !== 'paint' && maskOptions(kind)), 'start-scale': START_SCALE, ...OUTPUT_OPTIONS },
    run: (ctx) => runInjection(ctx, kind),
  };
}

const START_SCALE = int('the injection scale; lower re-synthesises more', {
  value: 'S',
  defaultText: 'about the middle (PetsGAN: the top, the image at the low resolution as it is)',
  rangeText: 'SinGAN 1 to scales - 1; PetsGAN 1 to log2(factor)',
});

/** --mask, --dilate and --blur of harmonize and edit. */
const maskOptions = (kind: 'harmonize' | 'edit'): CommandOptions => ({
  mask: text('MASK', 'white where IMAGE is to be re-synthesised, black where it stays (the size of IMAGE)', {
    required: true,
  }),
  dilate: int(
    `the mask grows by a disk of R pixels at the model's size (as SinGAN's ${kind === 'edit' ? 'editing' : 'harmonization'})`,
    {
      value: 'R',
      default: MASK_DILATION[kind],
      min: 0,
      max: 256,
    },
  ),
  blur: num('then a Gaussian blur of S pixels (as SinGAN), stretched to [0, 1]', {
    value: 'S',
    default: 5,
    min: 0,
    max: 256,
  }),
});

export const singanHarmonizeCommand = injectionCommand(
  'harmonize',
  "SinGAN harmonisation: blend a pasted object into the training image's style",
  [
    "IMAGE: the training scene with an object pasted in (it is resized to the model's size); the output is the",
    "model's re-synthesis inside the (dilated) mask and IMAGE outside it.",
  ],
);

export const singanEditCommand = injectionCommand(
  'edit',
  'SinGAN editing: re-synthesise an edited region of the training image so it fits in',
  ['IMAGE: the training image with a region moved or copied (a rough edit); MASK marks the region.'],
);

export const singanPaintCommand = injectionCommand(
  'paint',
  "SinGAN paint-to-image: turn a clip-art painting into an image in the training image's style",
  ["IMAGE: a painting of the scene (flat colours), resized to the model's size."],
);

/**
 * The SR steps a model takes to `factor`: SinGAN steps up through its finest generator by the ratio between its
 * scales, k = round(log factor / log ratio) times (then to the exact size), so factor^(1/k) must be within 5% of
 * that ratio (the original trains its SR model for the factor: `scalespace train singan LOW_RES --sr-factor F`).
 * A PetsGAN model's restoration network upscales by its own factor only.
 */
function srPlan(model: SingleImageModel, factor: number): { steps: number; modelStep: number } {
  if (model.method === 'petsgan') {
    const own = (model as PetsGAN).config.factor;
    if (factor !== own)
      throw new InvalidArgumentError(
        `this PetsGAN model's restoration network upscales by x${own} only; use --factor ${own}`,
      );
    return { steps: 1, modelStep: own };
  }
  const modelStep = 1 / (model as SinGAN).config.scaleFactor;
  const steps = Math.round(Math.log(factor) / Math.log(modelStep));
  const perStep = factor ** (1 / Math.max(1, steps));
  if (steps < 1 || Math.abs(perStep / modelStep - 1) > 0.05)
    throw new InvalidArgumentError(
      `this model's scales are x${modelStep.toFixed(3)} apart, so x${factor} is not a whole number of its steps ` +
        `(the nearest: ${Math.max(1, steps)} of x${perStep.toFixed(3)}); train one for it: scalespace train singan LOW_RES.png --sr-factor ${factor}`,
    );
  return { steps, modelStep };
}

export const singanSrCommand: Command = {
  name: 'singan sr',
  summary:
    "SinGAN super-resolution: upscale the model's own (low-resolution) training image through its finest generator",
  usage: 'MODEL',
  modelArgument: SINGLE_IMAGE_KINDS,
  help: [
    "The SinGAN paper's protocol: train on the low-resolution image itself with the SR recipe",
    '(scalespace train singan LOW_RES.png --sr-factor 4: scales 4^(1/6) apart, reconstruction weight 100),',
    "then upscale it here: k steps of the model's scale ratio, each through its finest generator, then the exact size.",
  ].join('\n'),
  options: {
    factor: num(
      "the upscaling factor (SinGAN: k steps must match the model's scales to 5%; PetsGAN: its restoration factor only)",
      {
        value: 'F',
        required: true,
        min: 1.2,
        max: 16,
      },
    ),
    input: text('IMAGE', 'the image to upscale', { defaultText: "the model's training image, as the protocol does" }),
    ...OUTPUT_OPTIONS,
  },
  async run(ctx) {
    const [modelName, ...extra] = ctx.positionals;
    if (!modelName || extra.length > 0) throw new UsageError('give one MODEL');
    const out = stringOption(ctx, 'out');
    if (ctx.values.factor === undefined) throw new UsageError('--factor is required (e.g. --factor 4)');
    const factor = numberOption(ctx, 'factor');
    const n = intOption(ctx, 'n');
    const seed = intOption(ctx, 'seed');
    const started = performance.now();
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadSinganModel(ctx, modelName);
    const plan = srPlan(model, factor);
    const input =
      typeof ctx.values.input === 'string'
        ? await readInput(ctx, ctx.values.input, '--input', 3)
        : tf.tidy(() => model.trainingImage().squeeze([0]) as tf.Tensor3D);
    if (typeof ctx.values.input !== 'string') ctx.defer(() => input.dispose());
    const target: Size = [Math.round(input.shape[0] * factor), Math.round(input.shape[1] * factor)];
    await checkOutputMemory(model, { size: target, n }, `x${factor} super-resolution`);
    const file = await ctx.output(out);
    const [h, w] = await writeOutputs(ctx, file, { n, seed, label: `x${factor}` }, (s) =>
      model.superResolve({ factor, seed: s, image: input }),
    );
    const recipe = (model as SinGAN).config.training?.reconstructionWeight === 100 ? 'sr' : 'other';
    const result = {
      out,
      command: 'sr',
      method: model.method,
      factor,
      steps: plan.steps,
      recipe,
      n,
      seed,
      size: `${w}x${h}`,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    };
    report(
      ctx,
      result,
      `wrote ${out}: x${factor} in ${plan.steps} step${plan.steps > 1 ? 's' : ''} (${w}x${h}, ${model.method})`,
    );
    if (model.method === 'singan' && recipe !== 'sr' && !ctx.json)
      ctx.log('note: this model was not trained with the SR recipe (reconstruction weight 100); see --help');
    return 0;
  },
};

export const singanAnimateCommand: Command = {
  name: 'singan animate',
  summary: 'SinGAN animation: a random walk in the noise around the training image, as a GIF or PNG frames',
  usage: 'MODEL',
  modelArgument: SINGLE_IMAGE_KINDS,
  options: {
    out: text('FILE.gif|DIR', 'an animated GIF, or a folder of PNG frames (any other path)', { required: true }),
    frames: int('frames', { default: 24, max: 1000 }),
    'start-scale': int(
      "the first scale that moves; the ones below keep the image's fixed noise (the original animates from 0, 1 and 2)",
      {
        value: 'S',
        default: 0,
        min: 0,
        rangeText: 'SinGAN 0 to scales - 1; PetsGAN 0 only',
      },
    ),
    alpha: num("pull towards the image's noise each frame (as SinGAN)", { value: 'A', default: 0.1, min: 0, max: 1 }),
    beta: num('momentum of the walk (the original tries 0.80 to 0.95)', { value: 'B', default: 0.9, min: 0, max: 1 }),
    seed: int("the walk's seed", { value: 'SEED', default: 0, min: 0 }),
    size: text('WxH', 'frame size (any aspect ratio)', { defaultText: 'the training size' }),
    delay: int('milliseconds per GIF frame', { value: 'MS', default: 80, max: 10_000 }),
  },
  async run(ctx) {
    const [modelName, ...extra] = ctx.positionals;
    if (!modelName || extra.length > 0) throw new UsageError('give one MODEL');
    const out = stringOption(ctx, 'out');
    const frames = intOption(ctx, 'frames');
    const alpha = numberOption(ctx, 'alpha');
    const beta = numberOption(ctx, 'beta');
    const seed = intOption(ctx, 'seed');
    const delayMs = intOption(ctx, 'delay');
    const size = sizeOption(ctx);
    const started = performance.now();
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadSinganModel(ctx, modelName);
    const startScale = intOption(ctx, 'start-scale', undefined, undefined, model.scales - 1);
    const target = size ?? model.imageSize;
    await checkOutputMemory(model, { size: target, frames }, `${frames} frames`);
    const file = await ctx.output(out);
    throwIfAborted(ctx.signal);
    const clip = model.animate({ frames, seed, alpha, beta, startScale, ...(size && { size }) });
    ctx.defer(() => clip.dispose());
    await writeAnimation(file, clip, { delayMs });
    const result = {
      out,
      command: 'animate',
      method: model.method,
      frames,
      startScale,
      alpha,
      beta,
      seed,
      size: `${clip.shape[2]}x${clip.shape[1]}`,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    };
    report(ctx, result, `wrote ${out}: ${frames} frames of ${result.size} from scale ${startScale} (${model.method})`);
    return 0;
  },
};

/** Every `singan` application command, in the order `--help` lists them. */
export const singanAppCommands: Command[] = [
  singanHarmonizeCommand,
  singanEditCommand,
  singanPaintCommand,
  singanSrCommand,
  singanAnimateCommand,
];

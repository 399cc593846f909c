import { assertFitsMemory, imageGrid, initBackend, memoryBudget, progressBar, writeImage } from '@scalespace/core';
import {
  loadSingleImageModel,
  parseSize,
  type Size,
  sampleMemory,
  superResolutionOptions,
  trainPetsGAN,
  trainSinGAN,
  writeAnimation,
} from '@scalespace/singan';
import { resolvePetsGANOptions, resolveSinGANOptions } from '@scalespace/singan/internal';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, numberOption, optional, rejectUnused, stringOption, UsageError } from '../command.js';
import { readJsonFile, validateConfig } from '../config-file.js';
import { choice, flag, int, num, text } from '../options.js';

/** The trainers' defaults, for --help. */
const SINGAN_TRAINING = resolveSinGANOptions({});
const PETSGAN_TRAINING = resolvePetsGANOptions({});

/** `scalespace train singan IMAGE --method singan|petsgan --max-size 128 --out DIR`. */
export const trainSinganCommand: Command = {
  name: 'train singan',
  summary: 'Train a single-image model (SinGAN or the PetsGAN approach) on one photo or texture',
  usage: 'IMAGE',
  help: "--resume takes the run's own options: one given that differs is refused.",
  options: {
    out: text('DIR', 'the run folder: checkpoints, the log and the model', { required: true }),
    method: choice(['singan', 'petsgan'], 'SinGAN, or the PetsGAN approach', { default: 'singan' }),
    'max-size': int('the longer side of the finest scale, in pixels', {
      default: SINGAN_TRAINING.maxSize,
      min: 16,
      max: 1024,
    }),
    iterations: int('training iterations per scale (PetsGAN: of its GAN and of its restoration network)', {
      defaultText: `SinGAN ${SINGAN_TRAINING.iterations}; PetsGAN ${PETSGAN_TRAINING.ganIterations} and ${PETSGAN_TRAINING.restorationIterations}`,
      max: 1_000_000,
    }),
    'sr-factor': num(
      "SinGAN's super-resolution recipe for upscaling by F (then: scalespace singan sr DIR --factor F)",
      {
        value: 'F',
        min: 1.2,
        max: 16,
      },
    ),
    config: text('FILE', "training options of the method as JSON (the trainer's option names)"),
    seed: int('the random seed', { default: 0, min: 0 }),
    'checkpoint-every': int('iterations between checkpoints', { default: 100 }),
    resume: flag('continue the run in --out'),
    force: flag('start over in an --out that holds a run'),
  },
  async run(ctx) {
    const [image, ...extra] = ctx.positionals;
    if (!image || extra.length > 0) throw new UsageError('give exactly one IMAGE to train on');
    const out = stringOption(ctx, 'out');
    const method = choiceOption(ctx, 'method', ['singan', 'petsgan'], 'singan');
    const resume = ctx.values.resume === true;
    // Only the options given: a fresh run takes the trainer's defaults, a resumed one the run's own.
    const maxSize = optional(ctx, 'max-size', intOption);
    const seed = optional(ctx, 'seed', intOption);
    const iterations = optional(ctx, 'iterations', intOption);
    const checkpointEvery = intOption(ctx, 'checkpoint-every');
    if (method === 'petsgan') rejectUnused(ctx, ['sr-factor'], "the SR recipe is SinGAN's (scalespace singan sr)");
    // SinGAN's SR recipe: train on the low-resolution image, then `scalespace singan sr DIR --factor F`.
    const srFactor = optional(ctx, 'sr-factor', numberOption);
    const fromFile = typeof ctx.values.config === 'string' ? await readTrainingOptions(ctx.values.config, method) : {};
    await initBackend(undefined, { log: !ctx.json });
    // One bar for every scale / phase: PetsGAN's GAN and restoration warm-ups share its line as they run at once.
    const onProgress = ctx.json ? undefined : progressBar();
    ctx.log(`${resume ? 'resuming' : 'training'} ${method} on ${image} -> ${out}`);
    const common = {
      ...(srFactor !== undefined && superResolutionOptions(srFactor)),
      ...fromFile,
      image,
      out,
      resume,
      force: ctx.values.force === true,
      checkpointEvery,
      ...(onProgress && { onProgress }),
      signal: ctx.signal,
      ...(seed !== undefined && { seed }),
      ...(maxSize !== undefined && { maxSize }),
    };
    const model =
      method === 'petsgan'
        ? await trainPetsGAN({
            ...common,
            ...(iterations !== undefined && { ganIterations: iterations, restorationIterations: iterations }),
          })
        : await trainSinGAN({ ...common, ...(iterations !== undefined && { iterations }) });
    ctx.defer(() => model.dispose());
    onProgress?.done();
    const [h, w] = model.imageSize;
    const result = { out, method, size: `${w}x${h}`, trainingSeconds: Number(model.config.trainingSeconds.toFixed(1)) };
    if (ctx.json) ctx.printJson(result);
    else ctx.log(`trained in ${result.trainingSeconds} s; sample with: scalespace sample ${out} --n 8 --out grid.png`);
    return 0;
  },
};

/** --config FILE: training options of the method as JSON, each checked, errors naming the file and field. */
async function readTrainingOptions(path: string, method: 'singan' | 'petsgan'): Promise<Record<string, unknown>> {
  const value = await readJsonFile(path, '--config');
  const known = Object.keys(method === 'petsgan' ? resolvePetsGANOptions({}) : resolveSinGANOptions({}));
  const validate = method === 'petsgan' ? resolvePetsGANOptions : resolveSinGANOptions;
  return validateConfig<Record<string, unknown>>(value, path, known, (c) => validate(c));
}

/** Samples a single-image model into a grid (or a GIF / frames of an animation). */
export async function sampleSingleImage(ctx: CommandContext, dir: string): Promise<number> {
  const n = intOption(ctx, 'n', 8, 1, 256);
  const seed = intOption(ctx, 'seed');
  const out = stringOption(ctx, 'out');
  const sizeText = typeof ctx.values.size === 'string' ? ctx.values.size : undefined;
  const frames = optional(ctx, 'frames', intOption) ?? 0;
  const given = ctx.values['gen-start-scale'] !== undefined;
  let size: Size | undefined;
  try {
    size = sizeText === undefined ? undefined : parseSize(sizeText, '--size');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await initBackend(undefined, { log: !ctx.json });
  const model = await loadSingleImageModel(dir);
  ctx.defer(() => model.dispose());
  // SinGAN's gen_start_scale: the scales below it keep the training image's fixed noise.
  if (given && model.scales === 1)
    throw new UsageError('--gen-start-scale applies to SinGAN models (a PetsGAN model has one generator scale)');
  const startScale = intOption(ctx, 'gen-start-scale', undefined, undefined, model.scales - 1);
  const started = performance.now();
  // Refuse at once what the backend cannot hold, with the largest size that would fit.
  const target = size ?? model.imageSize;
  const memory = await sampleMemory(model, { size: target, n, frames });
  const budget = await memoryBudget();
  const what = frames > 0 ? `${frames} frames` : `${n} sample${n > 1 ? 's' : ''}`;
  const fits = memory.largestSize(budget.bytes);
  assertFitsMemory(
    memory.bytes,
    budget,
    `${what} of ${target[1]}x${target[0]}`,
    fits ? `the largest --size that fits is ${fits[1]}x${fits[0]}${frames > 0 ? '' : ' (or lower --n)'}` : 'lower --n',
  );
  const file = await ctx.output(out);
  let shape: number[];
  if (frames > 0) {
    const clip = model.animate({ frames, seed, startScale, ...(size && { size }) });
    ctx.defer(() => clip.dispose());
    shape = clip.shape;
    await writeAnimation(file, clip);
  } else {
    const samples = model.sample({ n, seed, startScale, ...(size && { size }) });
    ctx.defer(() => samples.dispose());
    shape = samples.shape;
    const grid = imageGrid(samples);
    ctx.defer(() => grid.dispose());
    await writeImage(file, grid);
  }
  const result = {
    out,
    method: model.method,
    n: frames > 0 ? frames : n,
    size: `${shape[2]}x${shape[1]}`,
    seed,
    ...(given && { genStartScale: startScale }),
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
  if (ctx.json) ctx.printJson(result);
  else
    ctx.log(
      `wrote ${out}: ${result.n} ${frames > 0 ? 'frames' : 'samples'} of ${result.size} from ${dir} (${result.method})`,
    );
  return 0;
}

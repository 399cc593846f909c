import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { imageGrid, initBackend, progressBar, writeImage } from '@scalespace/core';
import { loadSingleImageModel, modelMethod, trainPetsGAN, trainSinGAN, writeAnimation } from '@scalespace/singan';
import { type Command, type CommandContext, choiceOption, intOption, stringOption, UsageError } from '../command.js';

/** `scalespace train singan IMAGE --method singan|petsgan --max-size 128 --out DIR`. */
export const trainSinganCommand: Command = {
  name: 'train singan',
  summary: 'Train a single-image model (SinGAN or the PetsGAN approach) on one photo or texture',
  usage:
    'IMAGE --out DIR [--method singan|petsgan] [--max-size 128] [--iterations N] [--seed 0] [--checkpoint-every 100] [--resume] [--json]',
  options: {
    out: { type: 'string' },
    method: { type: 'string' },
    'max-size': { type: 'string' },
    iterations: { type: 'string' },
    seed: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    resume: { type: 'boolean' },
  },
  async run(ctx) {
    const [image, ...extra] = ctx.positionals;
    if (!image || extra.length > 0) throw new UsageError('give exactly one IMAGE to train on');
    const out = stringOption(ctx, 'out');
    const method = choiceOption(ctx, 'method', ['singan', 'petsgan'], 'singan');
    const resume = ctx.values.resume === true || existsSync(join(out, 'training-state.safetensors'));
    if (ctx.values.resume === true && !existsSync(join(out, 'training-state.safetensors')))
      throw new UsageError(`--resume: "${out}" has no training state to continue`);
    const maxSize = intOption(ctx, 'max-size', 128, 16, 1024);
    const seed = intOption(ctx, 'seed', 0, 0);
    const checkpointEvery = intOption(ctx, 'checkpoint-every', 100, 1);
    const iterations = ctx.values.iterations === undefined ? undefined : intOption(ctx, 'iterations', 1, 1);
    await initBackend(undefined, { log: !ctx.json });
    // One bar for every scale / phase: PetsGAN's GAN and restoration warm-ups share its line as they run at once.
    const onProgress = progressBar();
    ctx.log(`${resume ? 'resuming' : 'training'} ${method} on ${image} -> ${out}`);
    const common = { image, out, resume, seed, checkpointEvery, onProgress, signal: ctx.signal, maxSize };
    const model =
      method === 'petsgan'
        ? await trainPetsGAN({
            ...common,
            ...(iterations !== undefined && { ganIterations: iterations, restorationIterations: iterations }),
          })
        : await trainSinGAN({ ...common, ...(iterations !== undefined && { iterations }) });
    onProgress.done();
    const [h, w] = model.imageSize;
    const result = { out, method, size: `${w}x${h}`, trainingSeconds: Number(model.config.trainingSeconds.toFixed(1)) };
    model.dispose();
    if (ctx.json) ctx.printJson(result);
    else ctx.log(`trained in ${result.trainingSeconds} s; sample with: scalespace sample ${out} --n 8 --out grid.png`);
    return 0;
  },
};

/** True when DIR holds a SinGAN or PetsGAN model (for a shared `sample` dispatch). */
export async function isSingleImageModel(dir: string): Promise<boolean> {
  return (await modelMethod(dir)) !== null;
}

/** Samples a single-image model into a grid (or a GIF / frames of an animation). */
export async function sampleSingleImage(ctx: CommandContext, dir: string): Promise<number> {
  const n = intOption(ctx, 'n', 8, 1, 256);
  const seed = intOption(ctx, 'seed', 0, 0);
  const out = stringOption(ctx, 'out');
  const size = typeof ctx.values.size === 'string' ? ctx.values.size : undefined;
  const frames = ctx.values.frames === undefined ? 0 : intOption(ctx, 'frames', 24, 1, 1000);
  await initBackend(undefined, { log: !ctx.json });
  const model = await loadSingleImageModel(dir);
  const started = performance.now();
  try {
    await mkdir(dirname(out), { recursive: true });
    let shape: number[];
    if (frames > 0) {
      const clip = model.animate({ frames, seed, ...(size && { size }) });
      shape = clip.shape;
      await writeAnimation(out, clip);
      clip.dispose();
    } else {
      const samples = model.sample({ n, seed, ...(size && { size }) });
      shape = samples.shape;
      const grid = imageGrid(samples);
      samples.dispose();
      await writeImage(out, grid);
      grid.dispose();
    }
    const result = {
      out,
      method: model.method,
      n: frames > 0 ? frames : n,
      size: `${shape[2]}x${shape[1]}`,
      seed,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    };
    if (ctx.json) ctx.printJson(result);
    else
      ctx.log(
        `wrote ${out}: ${result.n} ${frames > 0 ? 'frames' : 'samples'} of ${result.size} from ${dir} (${result.method})`,
      );
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * `scalespace sample DIR --n 8 --size 256x128 --out grid.png`. For now it serves the single-image
 * models; the shared sample dispatch can call `sampleSingleImage` when `isSingleImageModel(dir)`.
 */
export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Draw samples from a trained model directory into an image grid (or an animation with --frames)',
  usage: 'DIR --out grid.png [--n 8] [--size WIDTHxHEIGHT] [--seed 0] [--frames N (GIF or folder of PNGs)] [--json]',
  options: {
    out: { type: 'string' },
    n: { type: 'string' },
    size: { type: 'string' },
    seed: { type: 'string' },
    frames: { type: 'string' },
  },
  async run(ctx) {
    const [dir, ...extra] = ctx.positionals;
    if (!dir || extra.length > 0) throw new UsageError('give exactly one model DIR');
    if (!(await isSingleImageModel(dir))) {
      // Let the loader explain (missing directory, missing weights, another kind of model).
      await loadSingleImageModel(dir);
    }
    return sampleSingleImage(ctx, dir);
  },
};

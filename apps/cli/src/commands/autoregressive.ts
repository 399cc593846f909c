import { resolve } from 'node:path';
import {
  type AutoregressiveModel,
  cleanSample,
  createModel,
  loadModel,
  recipeConfig,
  trainModel,
} from '@scalespace/autoregressive';
import { contentHash, imageGrid, initBackend, progressBar, tf, writeImage } from '@scalespace/core';
import { type Augment, BatchSampler, type ImageDataset, loadDataset } from '@scalespace/data';
import type { Command, CommandContext } from '../command.js';
import { choiceOption, intOption, numberOption, optional, stringOption, UsageError } from '../command.js';
import { type ModelKind, resolveModel } from '../models.js';
import { choice, flag, int, num, text } from '../options.js';
import { evalVdvaeNll } from './hvae-eval.js';
import type { SampleHandler } from './sample.js';

const KINDS = ['pixelcnn', 'pixelpyramids'] as const;
type Kind = (typeof KINDS)[number];

/** Loads a dataset split and the augmentation that brings it to size x size (folders: grey unless `channels`). */
async function prepareData(
  name: string,
  split: 'train' | 'test',
  size: number,
  channels: 1 | 3 = 1,
): Promise<{ data: ImageDataset; augment: Augment }> {
  const data = await loadDataset(name, { split, size, channels: name.startsWith('folder:') ? channels : undefined });
  const [h, w] = data.shape;
  if (h === size && w === size) return { data, augment: {} };
  if (h === w && size > h && (size - h) % 2 === 0) return { data, augment: { pad: (size - h) / 2 } };
  throw new UsageError(
    `--size ${size} does not fit ${name}'s ${h}x${w} images (use ${h}, or ${h + 4} to pad by 2 pixels)`,
  );
}

/** Mean test bits/dim of a model over a dataset, in batches. */
export function evaluateBitsPerDim(
  model: AutoregressiveModel,
  data: ImageDataset,
  augment: Augment,
  batchSize = 100,
  limit?: number,
): number {
  const count = Math.min(limit ?? data.size, data.size);
  const subset = count < data.size ? data.take(count) : data;
  const sampler = new BatchSampler(subset, {
    batchSize: Math.min(batchSize, subset.size),
    shuffle: false,
    augment,
    format: { bits: model.bits },
  });
  let total = 0;
  let images = 0;
  for (let step = 0; step < sampler.batchesPerEpoch; step++) {
    const { images: x, labels } = sampler.batch(step);
    total += tf.tidy(() => -tf.sum(model.logProb(x)).dataSync()[0]);
    images += x.shape[0];
    tf.dispose([x, labels as tf.Tensor]);
  }
  return total / (images * model.height * model.width * model.channels * Math.LN2);
}

/** The integer options of the trainers, in the order `run` reads them. */
const INT_SETTINGS = ['size', 'bits', 'steps', 'batch', 'seed', 'checkpoint-every'];

function trainCommand(kind: Kind): Command {
  return {
    name: `train ${kind}`,
    summary: `Train ${kind === 'pixelcnn' ? 'a PixelCNN++' : 'PixelPyramids'} by maximum likelihood (checkpoints, --resume, JSON log)`,
    usage: '',
    options: {
      data: text('mnist|fashion-mnist|folder:PATH', 'the training images', { default: 'mnist' }),
      out: text('DIR', 'the run folder: checkpoints, the JSON log and the model', { required: true }),
      size: int('the image side the model works at (28x28 sets pad to 32)', { default: 32, min: 2, max: 1024 }),
      bits: int('bits per pixel value the model predicts', { default: 8, max: 8 }),
      steps: int('training steps', { default: 2000 }),
      batch: int('images per step', { default: 32, max: 4096 }),
      lr: num('the learning rate', { default: 1e-3, min: 1e-7, max: 1 }),
      seed: int('the random seed', { default: 0, min: 0 }),
      'checkpoint-every': int('steps between checkpoints', { default: 200 }),
      resume: flag('continue the run in --out'),
      force: flag('start over in an --out that holds a run'),
      minutes: num('stop after M minutes of training (with a checkpoint)', { value: 'M', min: 0.01, max: 10_000 }),
    },
    allowPositionals: false,
    async run(ctx: CommandContext) {
      const dataName = stringOption(ctx, 'data');
      const out = resolve(stringOption(ctx, 'out'));
      const [size, bits, steps, batchSize, seed, every] = INT_SETTINGS.map((name) => intOption(ctx, name));
      const lr = numberOption(ctx, 'lr');
      const minutes = optional(ctx, 'minutes', numberOption);
      await initBackend(undefined, { log: !ctx.json });
      const { data, augment } = await prepareData(dataName, 'train', size);
      const model = createModel(recipeConfig(kind, { size, channels: data.shape[2], bits }), seed);
      const sampler = new BatchSampler(data, { batchSize, seed, augment, format: { bits } });
      const bar = ctx.json ? undefined : progressBar(`train ${kind}`);
      ctx.defer(() => model.module.dispose());
      const result = await trainModel(model, {
        steps,
        batch: (step) => {
          const b = sampler.batch(step);
          b.labels?.dispose();
          return b.images;
        },
        lr,
        out,
        checkpointEvery: every,
        ...(minutes !== undefined && { maxSeconds: minutes * 60 }),
        resume: ctx.values.resume === true,
        force: ctx.values.force === true,
        training: { data: dataName, dataHash: await contentHash(data.data), size, bits, batch: batchSize, lr, seed },
        signal: ctx.signal,
        onProgress: bar,
      });
      bar?.done();
      const summary = {
        kind,
        out,
        steps: result.steps,
        resumedFrom: result.resumedFrom,
        seconds: result.seconds,
        lastBitsPerDim: result.lastBitsPerDim,
      };
      if (ctx.json) ctx.printJson(summary);
      else
        ctx.log(
          `trained ${result.steps} steps in ${result.seconds.toFixed(1)} s (train bits/dim ${result.lastBitsPerDim?.toFixed(4)}); checkpoint in ${out}`,
        );
      return 0;
    },
  };
}

export const trainPixelCnnCommand = trainCommand('pixelcnn');
export const trainPixelPyramidsCommand = trainCommand('pixelpyramids');

/** The models `eval nll` measures: exact likelihoods, and VD-VAE's bound. */
const LIKELIHOOD_KINDS: readonly ModelKind[] = ['pixelcnn', 'pixelpyramids', 'vdvae'];

export const evalNllCommand: Command = {
  name: 'eval nll',
  summary: 'Test-set bits/dim of a PixelCNN++ or PixelPyramids checkpoint (exact likelihood), or a VD-VAE (its ELBO)',
  usage: 'MODEL',
  modelArgument: LIKELIHOOD_KINDS,
  options: {
    data: text('mnist|fashion-mnist|folder:PATH', 'the test images', { defaultText: 'what the model was trained on' }),
    limit: int('evaluate the first N test images only', { defaultText: 'all' }),
    weights: choice(
      ['ema', 'live'],
      "which weights of a PixelCNN++ / PixelPyramids run (a VD-VAE's are the EMA ones)",
      {
        default: 'ema',
      },
    ),
  },
  async run(ctx: CommandContext) {
    const [name] = ctx.positionals;
    if (!name) throw new UsageError('give the MODEL');
    const { dir, kind } = await resolveModel(name, LIKELIHOOD_KINDS, 'MODEL');
    if (kind === 'vdvae') return evalVdvaeNll(ctx, dir, name);
    await initBackend(undefined, { log: !ctx.json });
    const weights = choiceOption(ctx, 'weights');
    const model = await loadModel(dir, { weights: weights as 'ema' | 'live' });
    ctx.defer(() => model.module.dispose());
    const dataName = stringOption(ctx, 'data', String(model.training?.data ?? 'mnist'));
    const limit = optional(ctx, 'limit', intOption);
    const started = performance.now();
    const { data, augment } = await prepareData(dataName, 'test', model.height, model.channels === 3 ? 3 : 1);
    const bitsPerDim = evaluateBitsPerDim(model, data, augment, 100, limit);
    const result = {
      model: name,
      kind: model.kind,
      data: `${dataName}:test`,
      images: Math.min(limit ?? data.size, data.size),
      bitsPerDim,
      seconds: (performance.now() - started) / 1000,
    };
    if (ctx.json) ctx.printJson(result);
    else ctx.log(`${dataName} test bits/dim: ${bitsPerDim.toFixed(4)} over ${result.images} images`);
    return 0;
  },
};

/** `scalespace sample DIR` for PixelCNN++ / PixelPyramids checkpoints. */
/** Algorithm 1 of the PixelPyramids supplement on every sample [N, H, W, C] in [0, 1]. */
async function cleanSamples(images: tf.Tensor4D, seed: number): Promise<{ images: tf.Tensor4D; outliers: number }> {
  const cleaned: tf.Tensor3D[] = [];
  let outliers = 0;
  try {
    for (let i = 0; i < images.shape[0]; i++) {
      const one = tf.tidy(() => tf.squeeze(tf.slice(images, [i], [1]), [0]) as tf.Tensor3D);
      const result = await cleanSample(one, { seed: seed + i }).finally(() => one.dispose());
      result.mask.dispose();
      cleaned.push(result.image);
      outliers += result.outliers;
    }
    return { images: tf.stack(cleaned) as tf.Tensor4D, outliers };
  } finally {
    tf.dispose(cleaned);
  }
}

export const autoregressiveSampler: SampleHandler = {
  name: 'pixelcnn/pixelpyramids',
  kinds: ['pixelcnn', 'pixelpyramids'],
  uses: ['temperature', 'cleanup'],
  async sample(ctx, dir) {
    const n = intOption(ctx, 'n', 16, 1, 1024);
    const seed = intOption(ctx, 'seed');
    const temperature = numberOption(ctx, 'temperature', 1, 1e-3, 10);
    const out = resolve(stringOption(ctx, 'out'));
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadModel(dir);
    ctx.defer(() => model.module.dispose());
    const bar = ctx.json ? undefined : progressBar('sample');
    const s = await model.sample({ n, seed, temperature, signal: ctx.signal });
    ctx.defer(() => s.images.dispose());
    bar?.done();
    const images = tf.tidy(() => tf.div(tf.cast(s.images, 'float32'), 2 ** model.bits - 1) as tf.Tensor4D);
    ctx.defer(() => images.dispose());
    const cleaned = ctx.values.cleanup === true ? await cleanSamples(images, seed) : undefined;
    if (cleaned) ctx.defer(() => cleaned.images.dispose());
    const grid = imageGrid(cleaned?.images ?? images);
    ctx.defer(() => grid.dispose());
    await writeImage(await ctx.output(out), grid);
    const finalBpd = (model.training as { testBitsPerDim?: number } | undefined)?.testBitsPerDim;
    const result = {
      out,
      kind: model.kind,
      n,
      ...(finalBpd !== undefined && { bitsPerDim: finalBpd }),
      networkEvaluations: s.networkEvaluations,
      seconds: s.seconds,
      ...(cleaned && { outliersReplaced: cleaned.outliers }),
    };
    if (ctx.json) ctx.printJson(result);
    else
      ctx.log(
        `wrote ${out}: ${n} samples, ${s.networkEvaluations} sequential network evaluations, ${s.seconds.toFixed(2)} s` +
          (cleaned ? `; clean-up replaced ${cleaned.outliers} outlier pixels` : ''),
      );
    return 0;
  },
};

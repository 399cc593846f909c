import { resolve } from 'node:path';
import { type AutoregressiveModel, createModel, loadModel, recipeConfig, trainModel } from '@scalespace/autoregressive';
import { contentHash, imageGrid, initBackend, progressBar, tf, writeImage } from '@scalespace/core';
import { type Augment, BatchSampler, type ImageDataset, loadDataset } from '@scalespace/data';
import {
  type Command,
  type CommandContext,
  choiceOption,
  intOption,
  numberOption,
  stringOption,
  UsageError,
} from '../command.js';
import { readCheckpointConfig, type SampleHandler } from '../models.js';
import { evalVdvaeNll } from './hvae-eval.js';
import { hvaeKind } from './hvae-models.js';

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

function trainCommand(kind: Kind): Command {
  return {
    name: `train ${kind}`,
    summary: `Train ${kind === 'pixelcnn' ? 'a PixelCNN++' : 'PixelPyramids'} by maximum likelihood (checkpoints, --resume, JSON log)`,
    usage:
      '--data mnist|fashion-mnist|folder:PATH --out DIR [--size 32] [--bits 8] [--steps 2000] [--batch 32] [--lr 0.001] ' +
      '[--seed 0] [--checkpoint-every 200] [--minutes M (stop after M minutes of training)] [--resume | --force] [--json]',
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      size: { type: 'string' },
      bits: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'boolean' },
      force: { type: 'boolean' },
      minutes: { type: 'string' },
    },
    allowPositionals: false,
    async run(ctx: CommandContext) {
      const dataName = stringOption(ctx, 'data', 'mnist');
      const out = resolve(stringOption(ctx, 'out'));
      const size = intOption(ctx, 'size', 32, 2, 1024);
      const bits = intOption(ctx, 'bits', 8, 1, 8);
      const steps = intOption(ctx, 'steps', 2000, 1);
      const batchSize = intOption(ctx, 'batch', 32, 1, 4096);
      const lr = numberOption(ctx, 'lr', 1e-3, 1e-7, 1);
      const seed = intOption(ctx, 'seed', 0, 0);
      const every = intOption(ctx, 'checkpoint-every', 200, 1);
      const minutes = ctx.values.minutes === undefined ? undefined : numberOption(ctx, 'minutes', 30, 0.01, 10_000);
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

export const evalNllCommand: Command = {
  name: 'eval nll',
  summary: 'Test-set bits/dim of a PixelCNN++ or PixelPyramids checkpoint (exact likelihood), or a VD-VAE (its ELBO)',
  usage: 'DIR --data mnist|fashion-mnist|folder:PATH [--limit N] [--weights ema|live] [--json]',
  options: { data: { type: 'string' }, limit: { type: 'string' }, weights: { type: 'string' } },
  async run(ctx: CommandContext) {
    const [dir] = ctx.positionals;
    if (!dir) throw new UsageError('give the model DIR');
    if ((await hvaeKind(dir)) === 'vdvae') return evalVdvaeNll(ctx, dir);
    await initBackend(undefined, { log: !ctx.json });
    const weights = choiceOption(ctx, 'weights', ['ema', 'live'], 'ema');
    const model = await loadModel(dir, { weights });
    ctx.defer(() => model.module.dispose());
    const dataName = stringOption(ctx, 'data', String(model.training?.data ?? 'mnist'));
    const limit = ctx.values.limit === undefined ? undefined : intOption(ctx, 'limit', 1000, 1);
    const started = performance.now();
    const { data, augment } = await prepareData(dataName, 'test', model.height, model.channels === 3 ? 3 : 1);
    const bitsPerDim = evaluateBitsPerDim(model, data, augment, 100, limit);
    const result = {
      model: dir,
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
export const autoregressiveSampler: SampleHandler = {
  name: 'pixelcnn/pixelpyramids',
  uses: ['temperature'],
  async detect(dir) {
    const config = await readCheckpointConfig(dir);
    const kind = (config?.model as { kind?: string } | undefined)?.kind;
    return kind === 'pixelcnn' || kind === 'pixelpyramids';
  },
  async sample(ctx, dir) {
    const n = intOption(ctx, 'n', 16, 1, 1024);
    const seed = intOption(ctx, 'seed', 0, 0);
    const temperature = numberOption(ctx, 'temperature', 1, 1e-3, 10);
    const out = resolve(stringOption(ctx, 'out'));
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadModel(dir);
    ctx.defer(() => model.module.dispose());
    const bar = ctx.json ? undefined : progressBar('sample');
    const s = await model.sample({ n, seed, temperature, signal: ctx.signal });
    ctx.defer(() => s.images.dispose());
    bar?.done();
    const grid = tf.tidy(() => imageGrid(tf.div(tf.cast(s.images, 'float32'), 2 ** model.bits - 1) as tf.Tensor4D));
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
    };
    if (ctx.json) ctx.printJson(result);
    else
      ctx.log(
        `wrote ${out}: ${n} samples, ${s.networkEvaluations} sequential network evaluations, ${s.seconds.toFixed(2)} s`,
      );
    return 0;
  },
};

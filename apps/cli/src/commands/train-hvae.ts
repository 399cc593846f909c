import { join } from 'node:path';
import { initBackend, progressBar } from '@scalespace/core';
import { type ImageDataset, loadFashionMnist, padImages } from '@scalespace/data';
import {
  CVDVAE,
  chooseGroups,
  DEFAULT_VDVAE_CONFIG,
  loadMnist32,
  loadVDVAE,
  lowFrequencyAnalysis,
  MNIST_VDVAE_CONFIG,
  resolveVDVAEConfig,
  type TrainingRunResult,
  type TrainLogEntry,
  trainCVDVAE,
  trainVDVAE,
  VDVAE,
  type VDVAEConfig,
} from '@scalespace/hvae';
import type { Command, CommandContext } from '../command.js';
import { intOption, numberOption, optional, stringOption, UsageError } from '../command.js';
import { readJsonFile, validateConfig } from '../config-file.js';
import { modelOption } from '../models.js';
import { type CommandOptions, flag, int, model, num, text } from '../options.js';

/** The options both hvae trainers take. */
const TRAIN_OPTIONS: CommandOptions = {
  out: text('DIR', 'the run folder: checkpoints, log.jsonl and the model', { required: true }),
  data: text('mnist|fashion-mnist', 'the training images (28x28, padded to 32x32)', { default: 'mnist' }),
  steps: int('training steps', { default: 1000 }),
  batch: int('images per step', { default: 32, max: 4096 }),
  lr: num('the peak learning rate', { default: 1e-3, min: 1e-7, max: 1 }),
  warmup: int('steps of linear learning-rate warm-up', { default: 100, min: 0 }),
  'grad-clip': num('the gradient norm clip', { default: 100, min: 1e-9 }),
  'skip-threshold': num('skip a step whose gradient norm exceeds this', { default: 300, min: 1e-9 }),
  ema: num('the decay of the exponential moving average of the weights', {
    default: 0.995,
    min: 1e-6,
    max: 1 - 1e-9,
  }),
  seed: int('the random seed', { default: 1, min: 0 }),
  'checkpoint-every': int('steps between checkpoints', { default: 100 }),
  'log-every': int('steps between log.jsonl entries', { default: 50 }),
  'stop-at': int('end this run at step N (with a checkpoint); --resume continues it'),
  resume: flag('continue the run in --out'),
  force: flag('start over in an --out that holds a run'),
};

async function loadData(name: string, size: number): Promise<ImageDataset> {
  if (size !== 32) throw new UsageError(`--size ${size}: the MNIST-style sets are padded 28 -> 32; use --size 32`);
  if (name === 'mnist') return loadMnist32('train');
  if (name === 'fashion-mnist') return padImages(await loadFashionMnist('train'), 2);
  throw new UsageError(`--data must be mnist or fashion-mnist, got "${name}"`);
}

/** The fields a --config file may set (a VD-VAE config). */
const VDVAE_FIELDS = [...Object.keys(DEFAULT_VDVAE_CONFIG), 'imageSize', 'encBlocks', 'decBlocks'];

/** --config FILE: a VD-VAE config, every field checked, errors naming the file. */
async function readVdvaeConfig(path: string): Promise<VDVAEConfig> {
  const value = await readJsonFile(path, '--config');
  return validateConfig<VDVAEConfig>(value, path, VDVAE_FIELDS, resolveVDVAEConfig);
}

/** What both trainers take from the options: the run (--out, --resume / --force), its length and its optimizer. */
function runSettings(ctx: CommandContext) {
  const stopAt = optional(ctx, 'stop-at', intOption);
  return {
    out: stringOption(ctx, 'out'),
    // The trainers refuse a non-empty --out without one of these.
    resume: ctx.values.resume === true,
    force: ctx.values.force === true,
    signal: ctx.signal,
    steps: intOption(ctx, 'steps'),
    batchSize: intOption(ctx, 'batch'),
    seed: intOption(ctx, 'seed'),
    checkpointEvery: intOption(ctx, 'checkpoint-every'),
    logEvery: intOption(ctx, 'log-every'),
    ...(stopAt !== undefined && { stopAt }),
    optimizer: {
      lr: numberOption(ctx, 'lr'),
      warmupSteps: intOption(ctx, 'warmup'),
      gradClip: numberOption(ctx, 'grad-clip'),
      skipThreshold: numberOption(ctx, 'skip-threshold'),
      emaDecay: numberOption(ctx, 'ema'),
    },
  };
}

/** Runs a trainer with a progress bar and the JSON log, then prints the summary (the last log entry's numbers). */
async function runAndReport(
  ctx: CommandContext,
  out: string,
  label: string,
  model: { dispose(): void },
  train: (log: {
    onProgress?: ReturnType<typeof progressBar>;
    onLog: (e: TrainLogEntry) => void;
  }) => Promise<TrainingRunResult>,
): Promise<number> {
  const bar = ctx.json ? undefined : progressBar(label);
  let last: TrainLogEntry | undefined;
  ctx.defer(() => model.dispose());
  const result = await train({ ...(bar && { onProgress: bar }), onLog: (e) => (last = e) });
  bar?.done();
  const summary = {
    out,
    steps: result.steps,
    skipped: result.skipped,
    seconds: result.seconds,
    ...(last && { lastLoss: last.loss, lastBitsPerDim: last.loss / Math.LN2, log: join(out, 'log.jsonl') }),
  };
  if (ctx.json) ctx.printJson(summary);
  else
    ctx.log(
      `done: ${result.steps} steps, ${result.skipped} skipped, last loss ${(summary.lastBitsPerDim ?? Number.NaN).toFixed(4)} bits/dim; model in ${out}`,
    );
  return 0;
}

/** `scalespace train vdvae --data mnist --size 32 --out DIR`: trains a VD-VAE prior. */
export const trainVdvaeCommand: Command = {
  name: 'train vdvae',
  summary: 'Train a VD-VAE (hierarchical VAE) prior on MNIST-style data, with resumable checkpoints',
  usage: '',
  options: {
    ...TRAIN_OPTIONS,
    size: int('the image side (the MNIST-style sets are padded 28 -> 32)', { default: 32 }),
    config: text('FILE', 'a VD-VAE config as JSON', { defaultText: "the shipped MNIST model's" }),
  },
  allowPositionals: false,
  async run(ctx) {
    const settings = runSettings(ctx);
    const { out, resume } = settings;
    const dataName = stringOption(ctx, 'data');
    const size = intOption(ctx, 'size');
    const config: VDVAEConfig =
      typeof ctx.values.config === 'string' ? await readVdvaeConfig(ctx.values.config) : MNIST_VDVAE_CONFIG;
    await initBackend(undefined, { log: !ctx.json });
    const data = await loadData(dataName, size);
    const model = new VDVAE(config, { seed: settings.seed });
    ctx.log(
      `${resume ? 'resuming' : 'training'} VD-VAE (${model.groups} latent groups, ${model.numParameters()} parameters) on ${dataName} -> ${out}`,
    );
    return runAndReport(ctx, out, 'vdvae', model, (log) =>
      trainVDVAE({ model, data, ...settings, ...log, meta: { dataset: dataName } }),
    );
  },
};

/** `scalespace train cvdvae --prior DIR --scale 4 --out DIR`: trains CVDVAE's low-resolution encoder. */
export const trainCvdvaeCommand: Command = {
  name: 'train cvdvae',
  summary: 'Train a CVDVAE low-resolution encoder into a frozen VD-VAE prior (diverse super-resolution)',
  usage: '',
  options: {
    prior: model(['vdvae'], 'the frozen VD-VAE prior', { required: true }),
    ...TRAIN_OPTIONS,
    scale: int('the super-resolution factor', { default: 4, min: 2, max: 64 }),
    k: text('auto|N', 'latent groups the low-resolution encoder sets (auto: from the low-frequency analysis)', {
      default: 'auto',
      rangeText: '1 to the latent groups',
    }),
    upsample: int('the low-resolution input is upsampled by this before encoding', {
      default: 1,
      rangeText: '1 to --scale',
    }),
    'enc-blocks': text('BLOCKS', 'the low-resolution encoder (official block syntax)', {
      defaultText: 'two blocks per resolution, e.g. 8x2,8d2,4x2,4d4,1x1 for 8x8',
    }),
  },
  allowPositionals: false,
  async run(ctx) {
    const priorDir = stringOption(ctx, 'prior');
    const { dir } = await modelOption(ctx, 'prior');
    const settings = runSettings(ctx);
    const { out, resume } = settings;
    const scale = intOption(ctx, 'scale');
    await initBackend(undefined, { log: !ctx.json });
    const prior = await loadVDVAE(dir);
    ctx.defer(() => prior.dispose());
    const upsample = intOption(ctx, 'upsample', undefined, undefined, scale);
    const low = (prior.config.imageSize / scale) * upsample;
    const encBlocks = stringOption(ctx, 'enc-blocks', defaultLowResBlocks(low));
    const kText = stringOption(ctx, 'k');
    let k: number;
    if (kText === 'auto') {
      const maxK = prior.decoder.dec_blocks.findIndex((b) => b.base > low);
      const analysis = await lowFrequencyAnalysis(prior, {
        codes: 20,
        samples: 5,
        factors: [scale],
        seed: 1,
        signal: ctx.signal,
      });
      k = chooseGroups(analysis, { factor: scale, maxK: maxK < 0 ? prior.groups : maxK });
      ctx.log(
        `k = ${k} (low-frequency analysis at x${scale}: ${analysis.u[scale].map((u) => u.toFixed(3)).join(' ')})`,
      );
    } else k = intOption(ctx, 'k', 1, 1, prior.groups);
    const model = new CVDVAE(prior, { scale, groups: k, encBlocks, upsample }, { seed: settings.seed });
    const data = await loadData(stringOption(ctx, 'data'), prior.config.imageSize);
    ctx.log(`${resume ? 'resuming' : 'training'} CVDVAE x${scale} (k = ${k}) on ${priorDir} -> ${out}`);
    return runAndReport(ctx, out, 'cvdvae', model, (log) =>
      trainCVDVAE({ model, data, ...settings, ...log, meta: { prior: priorDir, k } }),
    );
  },
};

/** `RxN,RdK,...` from the low resolution down to 1, two blocks per resolution. */
function defaultLowResBlocks(low: number): string {
  const parts: string[] = [];
  let r = low;
  while (r > 4) {
    parts.push(`${r}x2`, `${r}d2`);
    r /= 2;
  }
  if (r === 4) parts.push('4x2', '4d4', '1x1');
  else parts.push(`${r}x2`);
  return parts.join(',');
}

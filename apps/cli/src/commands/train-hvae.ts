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
import { type Command, type CommandContext, intOption, numberOption, stringOption, UsageError } from '../command.js';
import { readJsonFile, validateConfig } from '../config-file.js';

/** The options both hvae trainers take. */
const trainOptions = {
  out: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  warmup: { type: 'string' },
  seed: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'log-every': { type: 'string' },
  'stop-at': { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  'grad-clip': { type: 'string' },
  'skip-threshold': { type: 'string' },
  ema: { type: 'string' },
} as const;

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

/** --resume / --force, for the trainers (which refuse a non-empty --out without one of them). */
function runFlags(ctx: CommandContext): { resume: boolean; force: boolean } {
  return { resume: ctx.values.resume === true, force: ctx.values.force === true };
}

function runSettings(ctx: CommandContext) {
  const stopAt = ctx.values['stop-at'] === undefined ? undefined : intOption(ctx, 'stop-at', 1, 1);
  return {
    steps: intOption(ctx, 'steps', 1000, 1),
    batchSize: intOption(ctx, 'batch', 32, 1, 4096),
    seed: intOption(ctx, 'seed', 1, 0),
    checkpointEvery: intOption(ctx, 'checkpoint-every', 100, 1),
    logEvery: intOption(ctx, 'log-every', 50, 1),
    ...(stopAt !== undefined && { stopAt }),
    optimizer: {
      lr: numberOption(ctx, 'lr', 1e-3, 1e-7, 1),
      warmupSteps: intOption(ctx, 'warmup', 100, 0),
      gradClip: numberOption(ctx, 'grad-clip', 100, 1e-9),
      skipThreshold: numberOption(ctx, 'skip-threshold', 300, 1e-9),
      emaDecay: numberOption(ctx, 'ema', 0.995, 1e-6, 1 - 1e-9),
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
  usage:
    '--out DIR [--data mnist|fashion-mnist] [--size 32] [--config model.json] [--steps 1000] [--batch 32] [--lr 1e-3] ' +
    '[--warmup 100] [--grad-clip 100] [--skip-threshold 300] [--ema 0.995] [--seed 1] [--checkpoint-every 100] [--log-every 50] [--stop-at N] [--resume | --force] [--json]',
  options: { ...trainOptions, data: { type: 'string' }, size: { type: 'string' }, config: { type: 'string' } },
  allowPositionals: false,
  async run(ctx) {
    const out = stringOption(ctx, 'out');
    const dataName = stringOption(ctx, 'data', 'mnist');
    const size = intOption(ctx, 'size', 32, 1);
    const { resume, force } = runFlags(ctx);
    const settings = runSettings(ctx);
    const config: VDVAEConfig =
      typeof ctx.values.config === 'string' ? await readVdvaeConfig(ctx.values.config) : MNIST_VDVAE_CONFIG;
    await initBackend(undefined, { log: !ctx.json });
    const data = await loadData(dataName, size);
    const model = new VDVAE(config, { seed: settings.seed });
    ctx.log(
      `${resume ? 'resuming' : 'training'} VD-VAE (${model.groups} latent groups, ${model.numParameters()} parameters) on ${dataName} -> ${out}`,
    );
    return runAndReport(ctx, out, 'vdvae', model, (log) =>
      trainVDVAE({
        model,
        data,
        out,
        resume,
        force,
        signal: ctx.signal,
        ...settings,
        ...log,
        meta: { dataset: dataName },
      }),
    );
  },
};

/** `scalespace train cvdvae --prior DIR --scale 4 --out DIR`: trains CVDVAE's low-resolution encoder. */
export const trainCvdvaeCommand: Command = {
  name: 'train cvdvae',
  summary: 'Train a CVDVAE low-resolution encoder into a frozen VD-VAE prior (diverse super-resolution)',
  usage:
    '--prior DIR --out DIR [--scale 4] [--k auto|N] [--upsample 1] [--enc-blocks 8x2,8d2,4x2,4d4,1x1] [--data mnist] [--steps 1000] ' +
    '[--batch 32] [--lr 1e-3] [--seed 2] [--checkpoint-every 100] [--log-every 50] [--stop-at N] [--resume | --force] [--json]',
  options: {
    ...trainOptions,
    prior: { type: 'string' },
    scale: { type: 'string' },
    k: { type: 'string' },
    'enc-blocks': { type: 'string' },
    upsample: { type: 'string' },
    data: { type: 'string' },
  },
  allowPositionals: false,
  async run(ctx) {
    const priorDir = stringOption(ctx, 'prior');
    const out = stringOption(ctx, 'out');
    const scale = intOption(ctx, 'scale', 4, 2, 64);
    const { resume, force } = runFlags(ctx);
    const settings = runSettings(ctx);
    await initBackend(undefined, { log: !ctx.json });
    const prior = await loadVDVAE(priorDir);
    ctx.defer(() => prior.dispose());
    const upsample = intOption(ctx, 'upsample', 1, 1, scale);
    const low = (prior.config.imageSize / scale) * upsample;
    const encBlocks = stringOption(ctx, 'enc-blocks', defaultLowResBlocks(low));
    const kText = stringOption(ctx, 'k', 'auto');
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
    const data = await loadData(stringOption(ctx, 'data', 'mnist'), prior.config.imageSize);
    ctx.log(`${resume ? 'resuming' : 'training'} CVDVAE x${scale} (k = ${k}) on ${priorDir} -> ${out}`);
    return runAndReport(ctx, out, 'cvdvae', model, (log) =>
      trainCVDVAE({
        model,
        data,
        out,
        resume,
        force,
        signal: ctx.signal,
        ...settings,
        ...log,
        meta: { prior: priorDir, k },
      }),
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

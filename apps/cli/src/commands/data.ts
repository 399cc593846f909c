import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { imageGrid, initBackend, tf, writeImage } from '@scalespace/core';
import {
  DATASET_NAMES,
  hasTestSplit,
  type ImageDataset,
  type LoadDatasetOptions,
  loadDataset,
  SIZE_POLICIES,
  type SizePolicy,
} from '@scalespace/data';
import {
  type Command,
  type CommandContext,
  type CommandOptions,
  choiceOption,
  intOption,
  stringOption,
  UsageError,
} from '../command.js';

const LOAD_OPTIONS: CommandOptions = {
  split: { type: 'string' },
  size: { type: 'string' },
  policy: { type: 'string' },
  crop: { type: 'string' },
  channels: { type: 'string' },
  cache: { type: 'string' },
  'no-cache': { type: 'boolean' },
};
const LOAD_USAGE =
  '[--split train|test] [--size S --policy center-crop|shorter-side|longer-side|stretch|random-crop] [--crop C] [--channels 1|3] [--cache DIR | --no-cache]';

function loadOptions(ctx: CommandContext): LoadDatasetOptions {
  const split = choiceOption(ctx, 'split', ['train', 'test'], 'train');
  const policy = ctx.values.policy as string | undefined;
  if (policy !== undefined && !SIZE_POLICIES.includes(policy as SizePolicy))
    throw new UsageError(`--policy must be one of ${SIZE_POLICIES.join(', ')}, got "${policy}"`);
  const channels = ctx.values.channels === undefined ? undefined : intOption(ctx, 'channels', 3, 1, 3);
  if (channels === 2) throw new UsageError('--channels must be 1 or 3');
  const cache = ctx.values['no-cache'] ? false : typeof ctx.values.cache === 'string' ? ctx.values.cache : undefined;
  return {
    split,
    ...(ctx.values.size !== undefined && { size: intOption(ctx, 'size', 64, 1, 4096) }),
    ...(ctx.values.crop !== undefined && { crop: intOption(ctx, 'crop', 64, 1, 65536) }),
    ...(policy !== undefined && { policy: policy as SizePolicy }),
    ...(channels !== undefined && { channels: channels as 1 | 3 }),
    ...(cache !== undefined && { cache }),
  };
}

function datasetName(ctx: CommandContext): string {
  const [name] = ctx.positionals;
  if (!name) throw new UsageError(`give a dataset NAME: ${DATASET_NAMES.join(', ')}`);
  return name;
}

function labelCounts(dataset: ImageDataset): Record<string, number> | undefined {
  if (!dataset.labels) return undefined;
  const counts: Record<string, number> = {};
  for (const l of dataset.labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

export const dataInfoCommand: Command = {
  name: 'data info',
  summary: 'Describe a dataset: count, shape, where its files are, split sizes, labels, cache',
  usage: `NAME ${LOAD_USAGE} [--json]`,
  options: LOAD_OPTIONS,
  async run(ctx) {
    const name = datasetName(ctx);
    const options = loadOptions(ctx);
    const dataset = await loadDataset(name, options);
    const splits: Record<string, number> = {};
    if (hasTestSplit(name)) {
      const other = options.split === 'train' ? 'test' : 'train';
      splits[options.split ?? 'train'] = dataset.size;
      splits[other] = (await loadDataset(name, { ...options, split: other })).size;
    } else splits.all = dataset.size;
    const info = {
      name,
      split: hasTestSplit(name) ? options.split : null,
      count: dataset.size,
      shape: dataset.shape,
      splits,
      source: dataset.source.path,
      description: dataset.source.description ?? '',
      licence: dataset.source.licence ?? null,
      cache: dataset.source.cache ?? null,
      ...(dataset.labels && { labels: labelCounts(dataset) }),
    };
    if (ctx.json) ctx.printJson(info);
    else {
      ctx.log(`${name}${info.split ? ` (${info.split})` : ''}: ${info.count} images of ${info.shape.join('x')}`);
      ctx.log(
        `splits: ${Object.entries(splits)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      ctx.log(`source: ${info.source}`);
      if (info.description) ctx.log(info.description);
      if (info.licence) ctx.log(`licence: ${info.licence}`);
      if (info.cache) ctx.log(`cache: ${info.cache.path} (${info.cache.hit ? 'read' : 'built'})`);
    }
    return 0;
  },
};

export const dataPreviewCommand: Command = {
  name: 'data preview',
  summary: 'Write a grid of the first images of a dataset',
  usage: `NAME --out grid.png [--n 64] [--columns 8] ${LOAD_USAGE} [--json]`,
  options: { ...LOAD_OPTIONS, out: { type: 'string' }, n: { type: 'string' }, columns: { type: 'string' } },
  async run(ctx) {
    await initBackend(undefined, { log: !ctx.json });
    const name = datasetName(ctx);
    const out = resolve(stringOption(ctx, 'out'));
    const dataset = await loadDataset(name, loadOptions(ctx));
    const n = Math.min(intOption(ctx, 'n', 64, 1, 1024), dataset.size);
    const columns = intOption(ctx, 'columns', Math.ceil(Math.sqrt(n)), 1, 1024);
    const images = dataset.images(Array.from({ length: n }, (_, i) => i));
    const grid = tf.tidy(() => imageGrid(images, { columns }));
    images.dispose();
    await mkdir(dirname(out), { recursive: true });
    await writeImage(out, grid);
    grid.dispose();
    if (ctx.json) ctx.printJson({ name, out, n, shape: dataset.shape });
    else ctx.log(`wrote ${out} (${n} images of ${name})`);
    return 0;
  },
};

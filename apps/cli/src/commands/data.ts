import { resolve } from 'node:path';
import { assertFitsMemory, imageGrid, initBackend, memoryBudget, tf, writeImage } from '@scalespace/core';
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
    const options = loadOptions(ctx);
    const requested = intOption(ctx, 'n', 64, 1, 1024);
    // With --size, refuse before loading (and resizing) anything: at most 3 channels, --n images.
    if (options.size !== undefined) {
      const [sh, sw] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
      await checkPreviewMemory(requested, sh, sw, options.channels ?? 3);
    }
    const dataset = await loadDataset(name, options);
    const n = Math.min(requested, dataset.size);
    const [h, w, c] = dataset.shape;
    await checkPreviewMemory(n, h, w, c);
    const columns = intOption(ctx, 'columns', Math.ceil(Math.sqrt(n)), 1, 1024);
    const images = dataset.images(Array.from({ length: n }, (_, i) => i));
    ctx.defer(() => images.dispose());
    const grid = tf.tidy(() => imageGrid(images, { columns }));
    ctx.defer(() => grid.dispose());
    await writeImage(await ctx.output(out), grid);
    if (ctx.json) ctx.printJson({ name, out, n, shape: dataset.shape });
    else ctx.log(`wrote ${out} (${n} images of ${name})`);
    return 0;
  },
};

/** The images, their grid and its bytes exist at once: refuse what the backend cannot hold, with the largest --size that fits. */
async function checkPreviewMemory(n: number, h: number, w: number, c: number): Promise<void> {
  const perPixel = n * c * 4 * 3;
  const budget = await memoryBudget();
  const side = Math.floor(Math.sqrt(budget.bytes / perPixel));
  assertFitsMemory(
    perPixel * h * w,
    budget,
    `a preview of ${n} images of ${w}x${h}`,
    side >= 1 ? `the largest --size that fits with --n ${n} is ${side} (or lower --n)` : 'lower --n',
  );
}

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
  choiceOption,
  intOption,
  optional,
  stringOption,
  UsageError,
} from '../command.js';
import { type CommandOptions, choice, flag, int, text } from '../options.js';

/** How a dataset is loaded: the options `data info` and `data preview` share. */
const LOAD_OPTIONS: CommandOptions = {
  split: choice(['train', 'test'], 'the split of a dataset that has two', { default: 'train' }),
  size: int('resize the images to S x S', { value: 'S', defaultText: 'as stored', max: 4096 }),
  policy: choice(SIZE_POLICIES, 'how --size fits images of another aspect ratio', { defaultText: "the dataset's" }),
  crop: int('then crop C x C', { value: 'C', max: 65536 }),
  channels: int('1 (grey) or 3 (colour)', { defaultText: 'as stored', max: 3 }),
  cache: text('DIR', 'where the resized images are cached', { defaultText: "the dataset's cache folder" }),
  'no-cache': flag('neither read nor write the cache'),
};

function loadOptions(ctx: CommandContext): LoadDatasetOptions {
  const split = choiceOption<'train' | 'test'>(ctx, 'split');
  const policy = ctx.values.policy as string | undefined;
  if (policy !== undefined && !SIZE_POLICIES.includes(policy as SizePolicy))
    throw new UsageError(`--policy must be one of ${SIZE_POLICIES.join(', ')}, got "${policy}"`);
  const channels = optional(ctx, 'channels', intOption);
  if (channels === 2) throw new UsageError('--channels must be 1 or 3');
  const cache = ctx.values['no-cache'] ? false : typeof ctx.values.cache === 'string' ? ctx.values.cache : undefined;
  return {
    split,
    ...(ctx.values.size !== undefined && { size: intOption(ctx, 'size') }),
    ...(ctx.values.crop !== undefined && { crop: intOption(ctx, 'crop') }),
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
  usage: 'NAME',
  help: `NAME: ${DATASET_NAMES.join(', ')}.`,
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
  usage: 'NAME',
  help: `NAME: ${DATASET_NAMES.join(', ')}.`,
  options: {
    out: text('grid.png', 'the grid image', { required: true }),
    n: int('images in the grid (the first ones)', { default: 64, max: 1024 }),
    columns: int('images per row', { defaultText: 'the square root of --n, rounded up', max: 1024 }),
    ...LOAD_OPTIONS,
  },
  async run(ctx) {
    await initBackend(undefined, { log: !ctx.json });
    const name = datasetName(ctx);
    const out = resolve(stringOption(ctx, 'out'));
    const options = loadOptions(ctx);
    const requested = intOption(ctx, 'n');
    // With --size, refuse before loading (and resizing) anything: at most 3 channels, --n images.
    if (options.size !== undefined) {
      const [sh, sw] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
      await checkPreviewMemory(requested, sh, sw, options.channels ?? 3);
    }
    const dataset = await loadDataset(name, options);
    const n = Math.min(requested, dataset.size);
    const [h, w, c] = dataset.shape;
    await checkPreviewMemory(n, h, w, c);
    const columns = intOption(ctx, 'columns', Math.ceil(Math.sqrt(n)));
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

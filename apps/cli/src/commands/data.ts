import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { imageGrid, initBackend, tf, writeImage } from '@scalespace/core';
import { loadDataset } from '@scalespace/data';
import { type Command, type CommandContext, intOption, stringOption, UsageError } from '../command.js';

async function load(ctx: CommandContext) {
  const [name] = ctx.positionals;
  if (!name) throw new UsageError('give a dataset NAME: mnist, fashion-mnist, lfw-subset, fixtures or folder:PATH');
  const split = stringOption(ctx, 'split', 'train');
  if (split !== 'train' && split !== 'test') throw new UsageError(`--split must be train or test, got "${split}"`);
  const size = ctx.values.size === undefined ? undefined : intOption(ctx, 'size', 64, 1, 4096);
  return { name, split, dataset: await loadDataset(name, { split, ...(size && { size }) }) };
}

export const dataInfoCommand: Command = {
  name: 'data info',
  summary: 'Describe a dataset: count, shape, where its files are, label counts',
  usage: 'NAME [--split train|test] [--size S (folders)] [--json]',
  options: { split: { type: 'string' }, size: { type: 'string' } },
  async run(ctx) {
    const { name, split, dataset } = await load(ctx);
    const labels: Record<string, number> = {};
    if (dataset.labels) for (const l of dataset.labels) labels[l] = (labels[l] ?? 0) + 1;
    const info = {
      name,
      split,
      count: dataset.size,
      shape: dataset.shape,
      source: dataset.source.path,
      description: dataset.source.description ?? '',
      ...(dataset.labels && { labels }),
    };
    if (ctx.json) ctx.printJson(info);
    else {
      ctx.log(`${name} (${split}): ${info.count} images of ${info.shape.join('x')}`);
      ctx.log(`source: ${info.source}`);
      if (info.description) ctx.log(info.description);
    }
    return 0;
  },
};

export const dataPreviewCommand: Command = {
  name: 'data preview',
  summary: 'Write a grid of the first images of a dataset',
  usage: 'NAME --out grid.png [--n 64] [--split train|test] [--size S (folders)] [--json]',
  options: { out: { type: 'string' }, n: { type: 'string' }, split: { type: 'string' }, size: { type: 'string' } },
  async run(ctx) {
    await initBackend(undefined, { log: !ctx.json });
    const { name, dataset } = await load(ctx);
    const out = resolve(stringOption(ctx, 'out'));
    const n = Math.min(intOption(ctx, 'n', 64, 1, 1024), dataset.size);
    const [h, w, c] = dataset.shape;
    const first = dataset.take(n);
    const grid = tf.tidy(() => imageGrid(tf.div(tf.tensor4d(first.data, [n, h, w, c], 'int32'), 255) as tf.Tensor4D));
    await mkdir(dirname(out), { recursive: true });
    await writeImage(out, grid);
    grid.dispose();
    if (ctx.json) ctx.printJson({ name, out, n });
    else ctx.log(`wrote ${out} (${n} images of ${name})`);
    return 0;
  },
};

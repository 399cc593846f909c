import { join } from 'node:path';
import { imageGrid, tf, writeImage } from '@scalespace/core';
import { FIXTURES, fixtureDir, type ImageDataset, loadDataset, PatchSampler } from '@scalespace/data';
import { escapeHtml } from '../html.js';
import type { DemoContext, DemoSection } from '../report.js';

async function grid(ctx: DemoContext, file: string, images: tf.Tensor4D, columns: number): Promise<string> {
  const g = tf.tidy(() => imageGrid(images, { columns }));
  await writeImage(join(ctx.dir, file), g);
  tf.dispose([g, images]);
  return ctx.href(file);
}

/** The first `n` images of a dataset, or null with the reason when it is not installed here. */
async function tryLoad(name: string, n: number): Promise<{ set: ImageDataset; images: tf.Tensor4D } | string> {
  try {
    const set = await loadDataset(name, { split: 'test' });
    return { set, images: set.images(Array.from({ length: Math.min(n, set.size) }, (_, i) => i)) };
  } catch (error) {
    return (error as Error).message;
  }
}

/** The built-in data: MNIST, Fashion-MNIST and the LFW subset where installed, the CC0 fixtures, and what batching makes of them. */
export const dataSection: DemoSection = {
  id: 'data',
  title: 'Data: built-in datasets, the CC0 photo fixtures, batches and patches',
  async run(ctx) {
    const parts: string[] = [];
    const summary: Record<string, unknown> = {};
    for (const [name, n, columns] of [
      ['mnist', 32, 16],
      ['fashion-mnist', 32, 16],
      ['lfw-subset', 32, 16],
    ] as const) {
      const got = await tryLoad(name, n);
      if (typeof got === 'string') {
        summary[name] = 'not installed';
        parts.push(`<p><b>${name}</b>: not installed here. ${escapeHtml(got)}</p>`);
        continue;
      }
      summary[name] = { count: got.set.size, shape: got.set.shape };
      const src = await grid(ctx, `${name}.png`, got.images, columns);
      parts.push(
        `<p><b>${name}</b> (${got.set.size} test images of ${got.set.shape.join('x')}; ${escapeHtml(got.set.source.path)}):<br><img src="${src}" alt="${name}"></p>`,
      );
    }

    const fixtures = await loadDataset('fixtures', { size: 96 });
    const photos = await grid(ctx, 'fixtures.png', fixtures.images(), 7);
    parts.push(
      `<p>CC0 / public-domain fixtures shipped in @scalespace/data (${FIXTURES.join(', ')}), centre-cropped and resized to 96 px:<br><img src="${photos}" alt="fixtures"></p>`,
    );

    // What a trainer sees: MNIST padded 28 -> 32 and kept to 5 bits; grey photo patches for the denoisers.
    const mnist = await loadDataset('mnist', { split: 'test' });
    const batch = mnist.sampler({ batchSize: 16, seed: ctx.seed, format: { bits: 5 }, augment: { pad: 2 } }).batch(0);
    const shown = tf.tidy(() => tf.div(tf.cast(batch.images, 'float32'), 31) as tf.Tensor4D);
    tf.dispose([batch.images, batch.labels ?? []].flat());
    const batchSrc = await grid(ctx, 'mnist-batch-5bit.png', shown, 16);
    const patches = await PatchSampler.fromFolder(fixtureDir(), {
      size: 40,
      batchSize: 24,
      seed: ctx.seed,
      channels: 1,
      flip: true,
    });
    const patchSrc = await grid(ctx, 'grey-patches.png', patches.batch(0), 12);
    parts.push(
      `<p>A training batch of MNIST for the pyramid models: zero-padded to 32x32 and quantised to 5 bits (values 0..31):<br><img src="${batchSrc}" alt="batch"></p>`,
      `<p>Random 40x40 grey patches of the fixtures (PatchSampler, step 0), as the denoisers train on:<br><img src="${patchSrc}" alt="patches"></p>`,
    );
    summary.fixtures = FIXTURES.length;
    return { summary, html: parts.join('\n') };
  },
};

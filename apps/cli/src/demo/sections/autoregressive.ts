import { join } from 'node:path';
import type { PixelPyramids } from '@scalespace/autoregressive';
import { imageGrid, tf, writeImage } from '@scalespace/core';
import { BatchSampler, loadMnist } from '@scalespace/data';
import { load } from '@scalespace/model-pixelpyramids-mnist';
import { pairedPyramid } from '@scalespace/pyramids';
import type { DemoSection } from '../report.js';
import { htmlTable } from '../report.js';

const toFloat = (x: tf.Tensor) => tf.div(tf.cast(x, 'float32'), 255) as tf.Tensor4D;

/** Samples and 8x8 -> 32x32 super-resolutions from the shipped PixelPyramids MNIST model. */
export const autoregressiveSection: DemoSection = {
  id: 'autoregressive',
  title: 'PixelPyramids: exact-likelihood samples in 40 steps, and 8x8 -> 32x32 super-resolution',
  async run(ctx) {
    const model = await load();
    const net = model.module as PixelPyramids;
    const samples = await model.sample({ n: 16, seed: ctx.seed, signal: ctx.signal });
    const sampleGrid = tf.tidy(() =>
      imageGrid(tf.image.resizeNearestNeighbor(toFloat(samples.images), [64, 64]) as tf.Tensor4D, { columns: 8 }),
    );
    await writeImage(join(ctx.dir, 'samples.png'), sampleGrid);

    // Super-resolution: the 8x8 level of the paired pyramid of test digits, refined to 32x32 three times each.
    const test = (await loadMnist('test')).take(4);
    const { images: digits, labels } = new BatchSampler(test, {
      batchSize: 4,
      shuffle: false,
      augment: { pad: 2 },
      format: { bits: 8 },
    }).batch(0);
    labels?.dispose();
    const pyramid = pairedPyramid(digits, { bits: 8, levels: 4 });
    const rows: tf.Tensor4D[] = [];
    let evaluations = 0;
    let consistent = true;
    for (let s = 0; s < 3; s++) {
      const sr = await net.superResolve(pyramid.coarse, { seed: ctx.seed + s, signal: ctx.signal });
      evaluations = sr.networkEvaluations;
      const back = pairedPyramid(sr.images, { bits: 8, levels: 4 });
      consistent &&= tf.tidy(() => tf.max(tf.abs(tf.sub(back.coarse, pyramid.coarse))).dataSync()[0] === 0);
      tf.dispose([back.coarse, ...back.levels.map((l) => l.fine)]);
      rows.push(toFloat(sr.images));
      sr.images.dispose();
    }
    const coarseView = tf.tidy(() => tf.image.resizeNearestNeighbor(toFloat(pyramid.coarse), [32, 32]) as tf.Tensor4D);
    // Columns: the 8x8 input (shown enlarged), three samples, the original digit.
    const srGrid = tf.tidy(() => {
      const perDigit = [coarseView, ...rows, toFloat(digits)].map((t) => tf.unstack(t));
      const ordered = Array.from({ length: 4 }, (_, d) => perDigit.map((col) => col[d])).flat();
      return imageGrid(tf.image.resizeNearestNeighbor(tf.stack(ordered) as tf.Tensor4D, [64, 64]) as tf.Tensor4D, {
        columns: 5,
      });
    });
    await writeImage(join(ctx.dir, 'super-resolution.png'), srGrid);
    tf.dispose([
      samples.images,
      sampleGrid,
      digits,
      pyramid.coarse,
      ...pyramid.levels.map((l) => l.fine),
      ...rows,
      coarseView,
      srGrid,
    ]);
    model.module.dispose();
    const summary = {
      testBitsPerDim: model.training?.testBitsPerDim,
      sampleNetworkEvaluations: samples.networkEvaluations,
      sampleSeconds: samples.seconds,
      superResolutionNetworkEvaluations: evaluations,
      superResolutionConsistent: consistent,
    };
    const html = `${htmlTable(
      ['', ''],
      [
        ['MNIST test bits/dim (exact)', String(summary.testBitsPerDim ?? 'see the model README')],
        ['sequential network evaluations per sample (32x32)', summary.sampleNetworkEvaluations],
        ['PixelCNN++ would need', 32 * 32],
        ['seconds for 16 samples', summary.sampleSeconds],
        ['evaluations per 8x8 -> 32x32 super-resolution', evaluations],
        ['every output reproduces its 8x8 input exactly', consistent ? 'yes' : 'NO'],
      ],
    )}
<p>Samples:<br><img src="${ctx.href('samples.png')}" alt="samples"></p>
<p>Super-resolution (each row: 8x8 input, three samples, the original):<br><img src="${ctx.href('super-resolution.png')}" alt="super-resolution"></p>`;
    return { summary, html };
  },
};

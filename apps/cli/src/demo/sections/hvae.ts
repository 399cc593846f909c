import { join } from 'node:path';
import { imageGrid, tf, writeImage } from '@scalespace/core';
import { loadMnist32, lowResolution } from '@scalespace/hvae';
import { apd, lrPsnr } from '@scalespace/metrics';
import { load } from '@scalespace/model-cvdvae-mnist-x4';
import { resize } from '@scalespace/pyramids';
import type { DemoSection } from '../report.js';
import { htmlTable } from '../report.js';

/** Diverse x4 super-resolutions of MNIST test digits from the shipped CVDVAE, with LR-PSNR and APD; no training. */
export const hvaeSection: DemoSection = {
  id: 'hvae',
  title: 'Diverse x4 super-resolution (CVDVAE on a VD-VAE prior): MNIST test digits, 8x8 -> 32x32',
  async run(ctx) {
    const model = await load();
    const scale = model.config.scale;
    const samples = 5;
    const test = await loadMnist32('test');
    const idx = [0, 1, 2, 3, 4, 5].map((i) => (i * 97 + ctx.seed) % test.size);
    const x = test.images(idx);
    const y = lowResolution(x, scale);
    try {
      const rows: Array<Array<string | number>> = [];
      const tiles: tf.Tensor3D[] = [];
      let seconds = 0;
      for (const temperature of [0.1, 0.8]) {
        const t0 = performance.now();
        const sr = model.superResolve(y, { samples, temperature, seed: ctx.seed }) as tf.Tensor5D;
        await sr.data();
        seconds += (performance.now() - t0) / 1000;
        let lr = 0;
        let diversity = 0;
        for (let i = 0; i < idx.length; i++) {
          const group = tf.tidy(() => tf.reshape(tf.slice(sr, [i], [1]), [samples, 32, 32, 1]));
          const low = tf.tidy(() => tf.tile(tf.slice(y, [i], [1]), [samples, 1, 1, 1]));
          lr +=
            (await lrPsnr(group, low, { scale, dataRange: 1, degradation: (h) => lowResolution(h, scale) })) /
            idx.length;
          diversity += (await apd(group)) / idx.length;
          if (temperature === 0.8) {
            tiles.push(
              tf.tidy(
                () => tf.image.resizeNearestNeighbor(tf.slice(y, [i], [1]), [32, 32]).squeeze([0]) as tf.Tensor3D,
              ),
              tf.tidy(
                () =>
                  tf
                    .clipByValue(resize(tf.slice(y, [i], [1]), { scale, method: 'bicubic' }), 0, 1)
                    .squeeze([0]) as tf.Tensor3D,
              ),
              ...tf.tidy(() => tf.unstack(group) as tf.Tensor3D[]),
              tf.tidy(() => tf.slice(x, [i], [1]).squeeze([0]) as tf.Tensor3D),
            );
          }
          tf.dispose([group, low]);
        }
        rows.push([temperature, Number(lr.toFixed(2)), Number(diversity.toExponential(2))]);
        sr.dispose();
      }
      const grid = imageGrid(tiles, { columns: samples + 3 });
      await writeImage(join(ctx.dir, 'super-resolutions.png'), grid);
      tf.dispose([grid, ...tiles]);
      const summary = {
        images: idx.length,
        samplesPerImage: samples,
        lrPsnrAtT01: rows[0][1],
        lrPsnrAtT08: rows[1][1],
        apdMseAtT08: rows[1][2],
        secondsPerSample: Number((seconds / (2 * samples * idx.length)).toFixed(4)),
      };
      const html = `${htmlTable(['temperature', 'LR-PSNR (dB)', 'APD (MSE)'], rows)}
<p>Per row: the 8x8 input (nearest), bicubic, ${samples} CVDVAE samples at temperature 0.8 (one batched decoder pass), ground truth:<br><img src="${ctx.href('super-resolutions.png')}" alt="super-resolutions" style="image-rendering: pixelated; width: 640px"></p>`;
      return { summary, html };
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  },
};

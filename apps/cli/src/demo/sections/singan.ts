import { join } from 'node:path';
import { imageGrid, tf, writeImage } from '@scalespace/core';
import { psnr } from '@scalespace/metrics';
import { load } from '@scalespace/model-singan-coffee';
import { writeAnimation } from '@scalespace/singan';
import type { DemoSection } from '../report.js';
import { htmlTable } from '../report.js';

/** Samples at two sizes (and a short animation) from the shipped single-image model; no training. */
export const singanSection: DemoSection = {
  id: 'singan',
  title: 'Single-image generation (SinGAN / PetsGAN approach): samples from the shipped coffee model',
  async run(ctx) {
    const model = await load();
    try {
      const [h, w] = model.imageSize;
      const t0 = performance.now();
      const same = model.sample({ n: 6, seed: ctx.seed });
      const t1 = performance.now();
      const wide = model.sample({ n: 2, seed: ctx.seed + 1, size: [h, 2 * w] });
      const t2 = performance.now();
      const real = model.trainingImage();
      const rec = model.reconstruct();
      const recClipped = tf.clipByValue(rec, 0, 1);
      const recPsnr = await psnr(recClipped, real, { dataRange: 1 }).finally(() => recClipped.dispose());
      const top = imageGrid(tf.concat([real, rec, same]) as tf.Tensor4D, { columns: 4 });
      await writeImage(join(ctx.dir, 'samples.png'), top);
      const bottom = imageGrid(wide, { columns: 1 });
      await writeImage(join(ctx.dir, 'wide.png'), bottom);
      const clip = model.animate({ frames: 12, seed: ctx.seed });
      await writeAnimation(join(ctx.dir, 'walk.gif'), clip);
      tf.dispose([same, wide, real, rec, top, bottom, clip]);
      const summary = {
        method: model.method,
        size: `${w}x${h}`,
        wideSize: `${2 * w}x${h}`,
        reconstructionPsnr: Number(recPsnr.toFixed(2)),
        secondsPerSample: Number(((t1 - t0) / 6000).toFixed(3)),
        secondsPerWideSample: Number(((t2 - t1) / 2000).toFixed(3)),
      };
      const html = `${htmlTable(
        ['', ''],
        [
          ['method', summary.method],
          ['training size', summary.size],
          ['reconstruction PSNR (dB)', summary.reconstructionPsnr],
          ['seconds per sample', summary.secondsPerSample],
          [`seconds per ${summary.wideSize} sample`, summary.secondsPerWideSample],
        ],
      )}
<p>Training image, its reconstruction from the fixed noise, then samples at the training size:<br><img src="${ctx.href('samples.png')}" alt="samples"></p>
<p>Samples twice as wide (the model is fully convolutional):<br><img src="${ctx.href('wide.png')}" alt="wide samples"></p>
<p>A random walk in the noise: <img src="${ctx.href('walk.gif')}" alt="animation"></p>`;
      return { summary, html };
    } finally {
      model.dispose();
    }
  },
};

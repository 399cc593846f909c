import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageGrid, readImage, rng, tf, writeImage } from '@scalespace/core';
import { psnr as metricsPsnr } from '@scalespace/metrics';
import { heldOutPhotos, load as loadFlat } from '@scalespace/model-denoiser-flat-rf43';
import { load as loadMultiscale } from '@scalespace/model-denoiser-multiscale-rf13';
import type { DemoSection } from '../report.js';
import { htmlTable } from '../report.js';

const SIGMA = 25;
const CROP = 256;

async function psnr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const clipped = tf.clipByValue(a, 0, 1);
  return metricsPsnr(clipped, b, { dataRange: 1 }).finally(() => clipped.dispose());
}

export const denoisersSection: DemoSection = {
  id: 'denoisers',
  title: 'Bias-free denoisers: a held-out photo at sigma 25, flat RF 43 vs multi-scale conditional RF 13',
  async run(ctx) {
    const photo = await readImage(fileURLToPath(heldOutPhotos.camera!), { channels: 1 });
    const [h, w] = photo.shape;
    const clean = tf.slice(photo, [(h - CROP) >> 1, (w - CROP) >> 1, 0], [CROP, CROP, 1]);
    const noisy = tf.tidy(() => tf.add(clean, rng(ctx.seed).normalTensor(clean.shape, { std: SIGMA / 255 })));
    const rows: Array<Array<string | number>> = [['noisy input', await psnr(noisy, clean), '', '']];
    const summary: Record<string, unknown> = {
      sigma: SIGMA,
      image: 'camera.png (CC0), centre 256x256',
      noisyPsnr: rows[0][1],
    };
    const outputs: tf.Tensor[] = [];
    for (const [name, load] of [
      ['denoiser-flat-rf43', loadFlat],
      ['denoiser-multiscale-rf13', loadMultiscale],
    ] as const) {
      const model = await load();
      try {
        const result = await model.denoise(noisy, { signal: ctx.signal });
        const value = await psnr(result.image, clean);
        rows.push([name, value, result.evaluations, result.seconds]);
        summary[name] = {
          psnr: value,
          evaluations: result.evaluations,
          seconds: result.seconds,
          parameters: model.numParameters(),
        };
        outputs.push(result.image);
        ctx.log(`  ${name}: PSNR ${value.toFixed(2)} dB in ${result.seconds.toFixed(2)} s`);
      } finally {
        model.dispose();
      }
    }
    const grid = imageGrid(tf.stack([clean, noisy, ...outputs]) as tf.Tensor4D, { columns: 4 });
    await writeImage(join(ctx.dir, 'denoised.png'), grid);
    tf.dispose([photo, clean, noisy, grid, ...outputs]);
    const html = `${htmlTable(['', 'PSNR (dB)', 'network evaluations', 'seconds'], rows)}
<p>Clean, noisy (sigma ${SIGMA}/255), flat BF-CNN RF 43, multi-scale conditional RF 13.<br><img src="${ctx.href('denoised.png')}" alt="denoising"></p>`;
    return { summary, html };
  },
};

import { join } from 'node:path';
import { tf, writeImage } from '@scalespace/core';
import { loadFixture } from '@scalespace/data';
import { lrPsnr, psnr, ssim } from '@scalespace/metrics';
import {
  degrade,
  levelEntropy,
  pairedPyramid,
  pyramidMosaic,
  resize,
  wavedec2,
  waveletMosaic,
} from '@scalespace/pyramids';
import type { DemoSection } from '../report.js';
import { htmlTable } from '../report.js';

/** A photo's paired pyramid and wavelet decomposition, the entropy per level, and bicubic x4 as the SR baseline. */
export const pyramidsSection: DemoSection = {
  id: 'pyramids',
  title: 'Pyramids: lossless paired pyramid, wavelets, entropy per level, bicubic baseline',
  async run(ctx) {
    const photo = await loadFixture('camera', { channels: 1 }); // 192x192 grey
    const crop = tf.tidy(() => tf.slice(photo, [0, 0, 0], [128, 128, 1]));
    const ints = tf.tidy(() => tf.cast(tf.round(tf.mul(crop, 255)), 'int32'));
    const report = await levelEntropy(tf.expandDims(ints, 0), { pyramid: 'paired', bits: 8, coarsest: 8 });
    const p = pairedPyramid(ints, { bits: 8, coarsest: 8 });
    const pairedView = await pyramidMosaic([...p.levels.map((l) => l.fine), p.coarse], { bits: 8 });
    await writeImage(join(ctx.dir, 'paired.png'), pairedView);
    const dec = wavedec2(crop, { wavelet: 'db2', levels: 3 });
    const waveletView = await waveletMosaic(dec);
    await writeImage(join(ctx.dir, 'wavelet.png'), waveletView);

    // Bicubic x4 on an RGB photo: the baseline every super-resolution model in the demo is compared with.
    const coffee = await loadFixture('coffee');
    const low = degrade(coffee, { scale: 4 });
    const up = tf.tidy(() => tf.clipByValue(resize(low, { scale: 4 }), 0, 1));
    await writeImage(join(ctx.dir, 'bicubic-x4.png'), up);
    const baseline = {
      psnr: await psnr(up, coffee, { dataRange: 1 }),
      ssim: await ssim(up, coffee, { dataRange: 1 }),
      lrPsnr: await lrPsnr(up, low, { scale: 4, dataRange: 1 }),
    };
    tf.dispose([
      photo,
      crop,
      ints,
      p.coarse,
      ...p.levels.map((l) => l.fine),
      pairedView,
      waveletView,
      dec.lowpass,
      ...dec.details,
      coffee,
      low,
      up,
    ]);
    const html = `<p>Paired pyramid of a 128x128 crop of <code>camera</code> (8 bits, fine levels then the 8x8 coarse image):<br>
<img src="${ctx.href('paired.png')}" alt="paired pyramid"></p>
${htmlTable(['level', 'shape', 'entropy (bits)'], [['raw pixels', '128x128x1', report.raw], ...report.levels.map((l) => [l.name, l.shape.join('x'), l.entropyBits])])}
<p>db2 wavelet decomposition, 3 levels:<br><img src="${ctx.href('wavelet.png')}" alt="wavelets"></p>
<p>Bicubic x4 of <code>coffee</code> (input degraded by antialiased bicubic downscaling):</p>
${htmlTable(['', 'PSNR (dB)', 'SSIM', 'LR-PSNR (dB)'], [['bicubic x4', baseline.psnr, baseline.ssim, baseline.lrPsnr]])}
<p><img src="${ctx.href('bicubic-x4.png')}" alt="bicubic x4"></p>`;
    return { summary: { entropy: report, bicubicX4: baseline }, html };
  },
};

import { InvalidArgumentError, tf } from '@scalespace/core';
import { meanPerImage } from './host-mean.js';
import { prepare, type SsimOptions, ssimMaps } from './ssim.js';

// Multi-scale SSIM (Wang, Simoncelli, Bovik 2003) as their msssim.m computes it: 5 scales with weights
// (0.0448, 0.2856, 0.3001, 0.2363, 0.1333); between scales a 2x2 average and keeping every other
// pixel (odd sizes repeat the last row/column, MATLAB's 'symmetric' imfilter); the result is
// prod_j cs_j^w_j over the first four scales times SSIM^w_5 at the coarsest. Negative contrast-
// structure terms are clamped to 0, as TensorFlow does, so the result stays real.

export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

function halve(t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = t.shape;
    let padded = t;
    if (h % 2 || w % 2)
      padded = tf.mirrorPad(
        t,
        [
          [0, 0],
          [0, h % 2],
          [0, w % 2],
          [0, 0],
        ],
        'symmetric',
      );
    return tf.avgPool(padded, 2, 2, 'valid');
  });
}

/** MS-SSIM of each image of a batch. Images need a shorter side of at least 161 pixels (11 at the fifth scale). */
export async function msSsimPerImage(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): Promise<number[]> {
  const p = await prepare(a, b, options, 'msSsim');
  const minimum = (p.window.length - 1) * 16 + 1;
  const [, h, w] = p.x.shape;
  if (Math.min(h, w) < minimum) {
    tf.dispose([p.x, p.y]);
    throw new InvalidArgumentError(
      `msSsim needs images of at least ${minimum}x${minimum} pixels for 5 scales, got ${h}x${w}; use ssim instead`,
    );
  }
  const n = p.x.shape[0];
  const result = new Array(n).fill(1);
  let x = p.x;
  let y = p.y;
  for (const [scale, weight] of MS_SSIM_WEIGHTS.entries()) {
    const { ssim, cs } = ssimMaps({ ...p, x, y });
    const last = scale === MS_SSIM_WEIGHTS.length - 1;
    const term = (await meanPerImage(last ? ssim : cs)).map((v) => Math.max(0, v));
    for (let i = 0; i < n; i++) result[i] *= term[i] ** weight;
    tf.dispose([ssim, cs]);
    if (!last) {
      const nx = halve(x);
      const ny = halve(y);
      tf.dispose([x, y]);
      x = nx;
      y = ny;
    }
  }
  tf.dispose([x, y]);
  return result;
}

/** Multi-scale structural similarity; for a batch, the mean over images. */
export async function msSsim(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): Promise<number> {
  const values = await msSsimPerImage(a, b, options);
  return values.reduce((s, v) => s + v, 0) / values.length;
}

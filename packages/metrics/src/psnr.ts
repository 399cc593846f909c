import { tf } from '@scalespace/core';
import { meanPerImage } from './host-mean.js';
import { checkDataRange, checkPair, checkValueRange } from './validate.js';

export interface PsnrOptions {
  /** Largest minus smallest possible value: 1 for [0, 1] images, 255 for 8-bit. Required. */
  dataRange: number;
}

/** Peak signal-to-noise ratio in dB, 10 log10(R^2 / MSE), over all pixels and channels (per image for a batch: mean of per-image PSNRs). Identical images give Infinity. */
export async function psnr(a: tf.Tensor, b: tf.Tensor, options: PsnrOptions): Promise<number> {
  const range = checkDataRange(options?.dataRange, 'psnr');
  return mean(await psnrPerImage(a, b, range));
}

/** PSNR of each image of a batch. */
export async function psnrPerImage(a: tf.Tensor, b: tf.Tensor, dataRange: number): Promise<number[]> {
  const [x, y] = await checkPair(a, b, 'psnr');
  let mse: number[];
  try {
    await checkValueRange(x, dataRange, 'psnr');
    await checkValueRange(y, dataRange, 'psnr');
    const squared = tf.squaredDifference(x, y);
    mse = await meanPerImage(squared).finally(() => squared.dispose());
  } finally {
    tf.dispose([x, y]);
  }
  return mse.map((m) => (m === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((dataRange * dataRange) / m)));
}

export function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

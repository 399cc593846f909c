import { InvalidArgumentError, tf } from '@scalespace/core';
import { degrade } from '@scalespace/pyramids';
import { psnr } from './psnr.js';

export interface LrPsnrOptions {
  /** Downscaling factor that made the low-resolution input from the high-resolution image. */
  scale: number;
  /** Value range (1 for [0, 1] images). Required. */
  dataRange: number;
  /**
   * The operator that made the input; default: antialiased bicubic downscaling by `scale` (MATLAB's
   * imresize, the convention of the super-resolution literature). It must be the same operator.
   */
  degradation?: (highRes: tf.Tensor) => tf.Tensor;
}

/**
 * Low-resolution consistency of a super-resolved image (CVDVAE's Table 1): PSNR between the
 * super-resolved output degraded again and the low-resolution input it came from. A perfectly
 * consistent super-resolution scores Infinity.
 */
export async function lrPsnr(superResolved: tf.Tensor, lowRes: tf.Tensor, options: LrPsnrOptions): Promise<number> {
  const { scale } = options;
  if (!Number.isInteger(scale) || scale < 1)
    throw new InvalidArgumentError(`lrPsnr: scale must be an integer >= 1, got ${scale}`);
  const degradation = options.degradation ?? ((x: tf.Tensor) => degrade(x, { scale }));
  const down = tf.tidy(() => degradation(superResolved));
  try {
    return await psnr(down, lowRes, { dataRange: options.dataRange });
  } finally {
    down.dispose();
  }
}

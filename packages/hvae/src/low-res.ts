import { tf } from '@scalespace/core';
import { degrade } from '@scalespace/pyramids';

/**
 * The degradation of paper 001's experiments: antialiased bicubic downscaling by `scale` (MATLAB
 * imresize conventions, from @scalespace/pyramids), clipped to [0, 1] as a saved image would be.
 */
export function lowResolution(x: tf.Tensor, scale: number): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(degrade(x, { scale, kernel: 'bicubic' }), 0, 1) as tf.Tensor4D);
}

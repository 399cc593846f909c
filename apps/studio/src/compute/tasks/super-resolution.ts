// Diverse x4 super-resolution of a digit with CVDVAE: the 32x32 digit is degraded as in training (antialiased
// bicubic /4), then the model draws several 32x32 digits consistent with the 8x8 input.
import { tf } from '@scalespace/core';
import { lowResolution } from '@scalespace/hvae';
import { lrPsnr } from '@scalespace/metrics';
import { resize } from '@scalespace/pyramids';
import type { TaskContext } from '../context.js';
import { cvdvae, loadSeconds } from '../models.js';
import { fromPicture, toPicture, toPictures } from '../pictures.js';
import type { Picture } from '../protocol.js';

export interface SuperResolutionInput {
  /** The 32x32 grey digit. */
  digit: Picture;
  samples: number;
  temperature: number;
  seed: number;
}

export interface SuperResolutionOutput {
  low: Picture;
  bicubic: Picture;
  samples: Picture[];
  /** Per sample: PSNR (dB) of the sample degraded again against the 8x8 input (consistency). */
  lrPsnr: number[];
  seconds: number;
  loadSeconds: number;
}

export async function superResolution(
  input: SuperResolutionInput,
  context: TaskContext,
): Promise<SuperResolutionOutput> {
  const model = await cvdvae(context);
  const digit = fromPicture(input.digit);
  const low = tf.tidy(() => tf.squeeze(lowResolution(tf.expandDims(digit, 0), 4), [0]) as tf.Tensor3D);
  digit.dispose();
  // One batched decoder pass, synchronous: the page shows it as one step.
  context.report({ step: 0, total: 1, phase: 'decoding' });
  const started = performance.now();
  const samples = model.superResolve(low, {
    samples: input.samples,
    temperature: input.temperature,
    seed: input.seed,
  });
  const images = tf.unstack(samples);
  try {
    const pictures = await toPictures(samples);
    const seconds = (performance.now() - started) / 1000;
    const consistency = await Promise.all(images.map((x) => lrPsnr(x, low, { scale: 4, dataRange: 1 })));
    const bicubic = tf.tidy(() => tf.clipByValue(resize(low, { scale: 4, method: 'bicubic' }), 0, 1));
    return {
      low: await toPicture(low),
      bicubic: await toPicture(bicubic).finally(() => bicubic.dispose()),
      samples: pictures,
      lrPsnr: consistency,
      seconds,
      loadSeconds: loadSeconds.get('cvdvae-mnist-x4') ?? 0,
    };
  } finally {
    tf.dispose([low, samples, ...images]);
  }
}

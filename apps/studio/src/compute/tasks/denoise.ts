// Denoising panel: noise added with a seed (or the image taken as noisy), the chosen model over tiles, PSNR against
// the clean reference when there is one.
import { InvalidImageError, tf } from '@scalespace/core';
import { denoiseTiled } from '@scalespace/denoisers';
import { psnr } from '@scalespace/metrics';
import { degrade } from '@scalespace/pyramids';
import type { DenoiserId } from '../../denoisers.js';
import { longWork, type TaskContext } from '../context.js';
import { denoiser, loadSeconds } from '../models.js';
import { fromRgba, toPicture } from '../pictures.js';
import type { Picture, Rgba } from '../protocol.js';

export interface DenoiseInput {
  model: DenoiserId;
  image: Rgba;
  /** Std of the Gaussian noise to add, in 8-bit units (0: the image is already noisy). */
  sigma: number;
  seed: number;
  /** The clean image, when the input is already noisy (ignored when noise is added: the input is the reference). */
  reference?: Rgba;
  tile: number;
}

export interface DenoiseOutput {
  noisy: Picture;
  denoised: Picture;
  /** PSNR (dB) of the noisy and the denoised image against the reference, when there is one. */
  psnrNoisy: number | null;
  psnrDenoised: number | null;
  sigmaEstimate: number;
  tiles: number;
  evaluations: number;
  seconds: number;
  loadSeconds: number;
}

export async function denoise(input: DenoiseInput, context: TaskContext): Promise<DenoiseOutput> {
  const model = await denoiser(input.model, context);
  const channels = model.config.channels;
  const image = fromRgba(input.image, channels);
  const noisy: tf.Tensor3D =
    input.sigma > 0 ? (degrade(image, { scale: 1, noise: input.sigma / 255, seed: input.seed }) as tf.Tensor3D) : image;
  const reference = input.sigma > 0 ? image : input.reference ? fromRgba(input.reference, channels) : null;
  const owned = new Set<tf.Tensor | null>([image, noisy, reference]);
  try {
    if (reference && !tf.util.arraysEqual(reference.shape, noisy.shape))
      throw new InvalidImageError(
        `the clean reference is ${reference.shape[1]}x${reference.shape[0]}, the image ${noisy.shape[1]}x${noisy.shape[0]}; drop a reference of the same size`,
      );
    // Tiles of the chosen side (a multi-scale model's tiles align to its coarsest Haar block).
    const block = model.config.kind === 'multiscale' ? 2 ** model.config.levels : 1;
    const tileSize = Math.ceil(input.tile / block) * block;
    const result = await denoiseTiled(model, noisy, { tileSize, ...longWork(context) });
    owned.add(result.image);
    const denoised = tf.clipByValue(result.image, 0, 1);
    const noisyShown = tf.clipByValue(noisy, 0, 1);
    owned.add(denoised).add(noisyShown);
    return {
      noisy: await toPicture(noisyShown),
      denoised: await toPicture(denoised),
      psnrNoisy: reference ? await psnr(noisyShown, reference, { dataRange: 1 }) : null,
      psnrDenoised: reference ? await psnr(denoised, reference, { dataRange: 1 }) : null,
      sigmaEstimate: result.sigmaEstimate[0],
      tiles: result.tiles,
      evaluations: result.evaluations,
      seconds: result.seconds,
      loadSeconds: loadSeconds.get(input.model) ?? 0,
    };
  } finally {
    for (const t of owned) t?.dispose();
  }
}

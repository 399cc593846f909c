import { tf } from '@scalespace/core';
import type { CVDVAE } from './cvdvae.js';
import { checkpointConfig } from './cvdvae-io.js';
import { checkImageShape, type HvaeTrainOptions, trainOnImages } from './image-training.js';
import { lowResolution } from './low-res.js';
import type { TrainingRunResult } from './training.js';

/** `data` holds the high-resolution images; the low-resolution inputs are made by `lowResolution`. */
export interface TrainCVDVAEOptions extends HvaeTrainOptions {
  model: CVDVAE;
}

/**
 * Trains CVDVAE's low-resolution encoder on the KL-sum loss with the prior frozen (only psi is in the
 * optimiser; the prior's weights are not touched), with the same AdamW / EMA / clipping / skipping
 * loop as VD-VAE. `dir` then holds the whole model (prior + encoder), loadable with `loadCVDVAE`.
 */
export async function trainCVDVAE(options: TrainCVDVAEOptions): Promise<TrainingRunResult> {
  const { model } = options;
  checkImageShape(options.data, model.prior.config.imageSize, model.prior.config.imageChannels, 'the prior');
  return trainOnImages(options, {
    trainer: 'cvdvae',
    model,
    config: (training) => checkpointConfig(model, { training, ...(options.meta && { meta: options.meta }) }),
    loss: (x, random) => {
      const y = lowResolution(x, model.config.scale);
      const terms = model.lossTerms(x, y, { rng: random });
      y.dispose();
      return { loss: terms.loss, metrics: { klBpd: tf.div(terms.kl, Math.LN2) } };
    },
  });
}

import { rng, tf } from '@scalespace/core';
import { BatchSampler } from '@scalespace/data';
import type { CVDVAE } from './cvdvae.js';
import { checkpointConfig } from './cvdvae-io.js';
import { lowResolution } from './low-res.js';
import {
  checkImageShape,
  type HvaeTrainOptions,
  outputOf,
  resolveOptimizer,
  runControls,
  runTraining,
  type TrainingRunResult,
} from './training.js';

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
  const { model, data, steps, batchSize = 32, seed = 0 } = options;
  checkImageShape(data, model.prior.config.imageSize, model.prior.config.imageChannels, 'the prior');
  const optimizer = resolveOptimizer(options.optimizer);
  const batches = new BatchSampler(data, { batchSize, seed });
  const config = checkpointConfig(model, {
    training: { steps, batchSize, seed, optimizer },
    ...(options.meta && { meta: options.meta }),
  });
  return runTraining({
    out: outputOf(options),
    trainer: 'cvdvae',
    data: data.data,
    model,
    config,
    steps,
    optimizer,
    ...runControls(options),
    loss: (step) => {
      const { images: x, labels } = batches.batch(step);
      labels?.dispose();
      const y = lowResolution(x, model.config.scale);
      const terms = model.lossTerms(x, y, { rng: rng(seed).fork(`step${step}`) });
      tf.dispose([x, y]);
      return { loss: terms.loss, metrics: { klBpd: tf.div(terms.kl, Math.LN2) } };
    },
  });
}

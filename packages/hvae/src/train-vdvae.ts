import { tf } from '@scalespace/core';
import type { ImageDataset } from '@scalespace/data';
import { checkImageShape, type HvaeTrainOptions, trainOnImages } from './image-training.js';
import type { ElboReport } from './latents.js';
import type { TrainingRunResult } from './training.js';
import type { VDVAE } from './vdvae.js';
import { plainVDVAEConfig } from './vdvae-config.js';
import { VDVAE_FORMAT } from './vdvae-io.js';

/** `out` then holds the EMA model, the training state and the JSON log. */
export interface TrainVDVAEOptions extends HvaeTrainOptions {
  model: VDVAE;
}

function checkData(model: VDVAE, data: ImageDataset) {
  checkImageShape(data, model.config.imageSize, model.config.imageChannels, 'the model');
}

/**
 * Trains a VD-VAE on the negative ELBO (nats/dim: reconstruction + every group's KL) with AdamW,
 * warm-up, gradient clipping and skipping, and an EMA of the weights; `dir` then holds the EMA model,
 * loadable with `loadVDVAE`, and `--resume` state. The log reports bits/dim, reconstruction and each
 * group's KL separately.
 */
export async function trainVDVAE(options: TrainVDVAEOptions): Promise<TrainingRunResult> {
  const { model } = options;
  checkData(model, options.data);
  return trainOnImages(options, {
    trainer: 'vdvae',
    model,
    config: (training) => ({
      format: VDVAE_FORMAT,
      model: plainVDVAEConfig(model.config),
      training,
      ...(options.meta && { meta: options.meta }),
    }),
    loss: (x, random) => {
      const terms = model.elboTerms(x, { rng: random });
      return {
        loss: terms.loss,
        metrics: {
          bpd: tf.div(terms.loss, Math.LN2),
          reconstructionBpd: tf.div(terms.distortion, Math.LN2),
          klBpd: tf.div(terms.kl, Math.LN2),
        },
      };
    },
  });
}

/**
 * The mean ELBO in bits/dim over images (the first `limit`), with reconstruction and per-group KL,
 * evaluated in batches. An upper bound on the model's negative log-likelihood.
 */
export async function evaluateElbo(
  model: VDVAE,
  data: ImageDataset,
  options: { batchSize?: number; limit?: number; seed?: number } = {},
): Promise<ElboReport & { images: number }> {
  checkData(model, data);
  const { batchSize = 100, seed = 0 } = options;
  const count = Math.min(data.size, options.limit ?? data.size);
  const sum = { bitsPerDim: 0, reconstructionBpd: 0, klBpd: 0, klPerGroupBpd: new Array<number>(model.groups).fill(0) };
  for (let start = 0; start < count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, count - start) }, (_, k) => start + k);
    const x = data.images(idx);
    const r = await model.elbo(x, { seed: seed + start }).finally(() => x.dispose());
    const w = idx.length / count;
    sum.bitsPerDim += r.bitsPerDim * w;
    sum.reconstructionBpd += r.reconstructionBpd * w;
    sum.klBpd += r.klBpd * w;
    for (const [i, v] of r.klPerGroupBpd.entries()) sum.klPerGroupBpd[i] += v * w;
  }
  return { ...sum, images: count };
}

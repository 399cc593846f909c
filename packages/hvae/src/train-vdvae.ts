import { InvalidArgumentError, type LongWorkOptions, rng, tf } from '@scalespace/core';
import type { ImageArray } from './image-array.js';
import { imagesAt, ShuffledBatches } from './image-batches.js';
import type { ElboReport } from './latents.js';
import {
  type OptimizerSettings,
  outputOf,
  resolveOptimizer,
  runControls,
  runTraining,
  type TrainingRunResult,
  type TrainLogEntry,
} from './training.js';
import type { Vdvae } from './vdvae.js';
import { plainVdvaeConfig } from './vdvae-config.js';
import { VDVAE_FORMAT } from './vdvae-io.js';

/** The config a VD-VAE training directory stores (`format` tells loaders what the folder holds). */

export interface TrainVdvaeOptions extends LongWorkOptions {
  model: Vdvae;
  /** Training images, uint8 [N, H, W, C] matching the model's size and channels. */
  data: ImageArray;
  /** Output directory (EMA model, training state, JSON log; core's run-directory contract). */
  out?: string;
  /** @deprecated the older name of `out`. */
  dir?: string;
  steps: number;
  batchSize?: number;
  seed?: number;
  optimizer?: Partial<OptimizerSettings>;
  resume?: boolean;
  /** Start over in a non-empty `out`. */
  force?: boolean;
  stopAt?: number;
  checkpointEvery?: number;
  logEvery?: number;
  /** Extra fields stored in the config (dataset name, command line). */
  meta?: Record<string, unknown>;
  onLog?: (entry: TrainLogEntry) => void;
}

function checkData(model: Vdvae, data: ImageArray) {
  const { imageSize, imageChannels } = model.config;
  if (data.height !== imageSize || data.width !== imageSize || data.channels !== imageChannels) {
    throw new InvalidArgumentError(
      `training images are ${data.height}x${data.width}x${data.channels}, the model wants ${imageSize}x${imageSize}x${imageChannels}`,
    );
  }
}

/**
 * Trains a VD-VAE on the negative ELBO (nats/dim: reconstruction + every group's KL) with AdamW,
 * warm-up, gradient clipping and skipping, and an EMA of the weights; `dir` then holds the EMA model,
 * loadable with `loadVdvae`, and `--resume` state. The log reports bits/dim, reconstruction and each
 * group's KL separately.
 */
export async function trainVdvae(options: TrainVdvaeOptions): Promise<TrainingRunResult> {
  const { model, data, steps, batchSize = 32, seed = 0 } = options;
  checkData(model, data);
  const optimizer = resolveOptimizer(options.optimizer);
  const batches = new ShuffledBatches(data, { batchSize, seed });
  const config = {
    format: VDVAE_FORMAT,
    model: plainVdvaeConfig(model.config),
    training: { steps, batchSize, seed, optimizer },
    ...(options.meta && { meta: options.meta }),
  };
  return runTraining({
    out: outputOf(options),
    trainer: 'vdvae',
    data: data.data,
    model,
    config,
    steps,
    optimizer,
    ...runControls(options),
    loss: (step) => {
      const x = batches.batch(step);
      const terms = model.elboTerms(x, { rng: rng(seed).fork(`step${step}`) });
      x.dispose();
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
  model: Vdvae,
  data: ImageArray,
  options: { batchSize?: number; limit?: number; seed?: number } = {},
): Promise<ElboReport & { images: number }> {
  checkData(model, data);
  const { batchSize = 100, seed = 0 } = options;
  const count = Math.min(data.n, options.limit ?? data.n);
  const sum = { bitsPerDim: 0, reconstructionBpd: 0, klBpd: 0, klPerGroupBpd: new Array<number>(model.groups).fill(0) };
  for (let start = 0; start < count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, count - start) }, (_, k) => start + k);
    const x = imagesAt(data, idx);
    const r = await model.elbo(x, { seed: seed + start }).finally(() => x.dispose());
    const w = idx.length / count;
    sum.bitsPerDim += r.bitsPerDim * w;
    sum.reconstructionBpd += r.reconstructionBpd * w;
    sum.klBpd += r.klBpd * w;
    for (const [i, v] of r.klPerGroupBpd.entries()) sum.klPerGroupBpd[i] += v * w;
  }
  return { ...sum, images: count };
}

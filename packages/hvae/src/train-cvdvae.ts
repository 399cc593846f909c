import { InvalidArgumentError, type LongWorkOptions, rng, tf } from '@scalespace/core';
import type { Cvdvae } from './cvdvae.js';
import { checkpointConfig } from './cvdvae-io.js';
import type { ImageArray } from './image-array.js';
import { ShuffledBatches } from './image-batches.js';
import { lowResolution } from './low-res.js';
import {
  type OptimizerSettings,
  outputOf,
  resolveOptimizer,
  runControls,
  runTraining,
  type TrainingRunResult,
  type TrainLogEntry,
} from './training.js';

export interface TrainCvdvaeOptions extends LongWorkOptions {
  model: Cvdvae;
  /** High-resolution training images; the low-resolution inputs are made by `lowResolution`. */
  data: ImageArray;
  /** Output directory (core's run-directory contract). */
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
  meta?: Record<string, unknown>;
  onLog?: (entry: TrainLogEntry) => void;
}

/**
 * Trains CVDVAE's low-resolution encoder on the KL-sum loss with the prior frozen (only psi is in the
 * optimiser; the prior's weights are not touched), with the same AdamW / EMA / clipping / skipping
 * loop as VD-VAE. `dir` then holds the whole model (prior + encoder), loadable with `loadCvdvae`.
 */
export async function trainCvdvae(options: TrainCvdvaeOptions): Promise<TrainingRunResult> {
  const { model, data, steps, batchSize = 32, seed = 0 } = options;
  const { imageSize, imageChannels } = model.prior.config;
  if (data.height !== imageSize || data.width !== imageSize || data.channels !== imageChannels) {
    throw new InvalidArgumentError(
      `training images are ${data.height}x${data.width}x${data.channels}, the prior wants ${imageSize}x${imageSize}x${imageChannels}`,
    );
  }
  const optimizer = resolveOptimizer(options.optimizer);
  const batches = new ShuffledBatches(data, { batchSize, seed });
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
      const x = batches.batch(step);
      const y = lowResolution(x, model.config.scale);
      const terms = model.lossTerms(x, y, { rng: rng(seed).fork(`step${step}`) });
      tf.dispose([x, y]);
      return { loss: terms.loss, metrics: { klBpd: tf.div(terms.kl, Math.LN2) } };
    },
  });
}

import { InvalidArgumentError, type LongWorkOptions, type Module, type Rng, rng, type tf } from '@scalespace/core';
import { BatchSampler, type ImageDataset } from '@scalespace/data';
import {
  type OptimizerSettings,
  outputOf,
  resolveOptimizer,
  runControls,
  runTraining,
  type StepLoss,
  type TrainingRunResult,
  type TrainLogEntry,
} from './training.js';

/** The options the VD-VAE and CVDVAE trainers share. */
export interface HvaeTrainOptions extends LongWorkOptions {
  /** Training images, uint8 [N, H, W, C] matching the model's size and channels. */
  data: ImageDataset;
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
  /** Extra fields stored in the config (dataset name, command line). */
  meta?: Record<string, unknown>;
  onLog?: (entry: TrainLogEntry) => void;
}

/** Refuses images whose size or channels differ from what the model (`what`) wants. */
export function checkImageShape(data: ImageDataset, size: number, channels: number, what: string): void {
  const [height, width, c] = data.shape;
  if (height !== size || width !== size || c !== channels) {
    throw new InvalidArgumentError(
      `training images are ${height}x${width}x${c}, ${what} wants ${size}x${size}x${channels}`,
    );
  }
}

/** The settings a trainer's saved config records about its training run. */
export interface TrainingSettings {
  steps: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerSettings;
}

/**
 * Trains `model` on the options' images (core's run contract through `runTraining`): step `s` gets batch `s` of
 * data's seeded `BatchSampler` and a random stream of its own; `loss` computes the step's loss from them.
 */
export async function trainOnImages<C>(
  options: HvaeTrainOptions,
  run: {
    trainer: 'vdvae' | 'cvdvae';
    model: Module;
    config: (training: TrainingSettings) => C;
    loss: (images: tf.Tensor4D, random: Rng) => StepLoss;
  },
): Promise<TrainingRunResult> {
  const { data, steps, batchSize = 32, seed = 0 } = options;
  const optimizer = resolveOptimizer(options.optimizer);
  const batches = new BatchSampler(data, { batchSize, seed });
  return runTraining({
    out: outputOf(options),
    trainer: run.trainer,
    data: data.data,
    model: run.model,
    config: run.config({ steps, batchSize, seed, optimizer }),
    steps,
    optimizer,
    ...runControls(options),
    loss: (step) => {
      const { images, labels } = batches.batch(step);
      labels?.dispose();
      try {
        return run.loss(images, rng(seed).fork(`step${step}`));
      } finally {
        images.dispose();
      }
    },
  });
}

import {
  CheckpointError,
  type CheckpointSource,
  InvalidArgumentError,
  type LongWorkOptions,
  loadCheckpoint,
  saveCheckpoint,
  sourceName,
  tf,
} from '@scalespace/core';
import { FlatDenoiser } from './flat-denoiser.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import type { DenoiserConfig } from './types.js';

/** A new, untrained denoiser of either kind from its config. */
export function createDenoiser(
  config: DenoiserConfig,
  options: { seed?: number | string } = {},
): FlatDenoiser | MultiscaleDenoiser {
  switch (config?.kind) {
    case 'flat':
      return new FlatDenoiser(config, options);
    case 'multiscale':
      return new MultiscaleDenoiser(config, options);
    default:
      throw new InvalidArgumentError(
        `denoiser config needs kind "flat" or "multiscale", got ${JSON.stringify((config as { kind?: unknown })?.kind)}`,
      );
  }
}

/**
 * Saves a denoiser as a checkpoint directory (model.safetensors + config.json), atomically. `float16` stores the
 * weights as halves (half the size, loaded back as float32).
 */
export async function saveDenoiser(
  path: string,
  model: FlatDenoiser | MultiscaleDenoiser,
  options: { float16?: boolean } = {},
): Promise<void> {
  await saveCheckpoint(path, model, model.config, { float16: options.float16 });
}

/**
 * Loads a denoiser saved by `saveDenoiser` or `trainDenoiser`: a directory or `.safetensors` file by path
 * (Node), a URL, a Response or the bytes; `onProgress`/`signal` follow the download.
 */
export async function loadDenoiser(
  source: CheckpointSource,
  options: LongWorkOptions = {},
): Promise<FlatDenoiser | MultiscaleDenoiser> {
  const { config, tensors } = await loadCheckpoint<DenoiserConfig>(source, undefined, options);
  let model: FlatDenoiser | MultiscaleDenoiser | undefined;
  try {
    if (config?.kind !== 'flat' && config?.kind !== 'multiscale') {
      throw new CheckpointError(
        `${sourceName(source)} is not a scalespace denoiser checkpoint (its config has no kind flat|multiscale)`,
      );
    }
    // Checkpoints from before `conditionalOutput` existed trained their conditionals on the noise.
    const saved = config.kind === 'multiscale' ? { conditionalOutput: 'noise' as const, ...config } : config;
    model = createDenoiser(saved);
    model.loadStateDict(tensors);
    return model;
  } catch (error) {
    model?.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

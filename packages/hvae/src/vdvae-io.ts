import {
  CheckpointError,
  type CheckpointSource,
  type LongWorkOptions,
  loadCheckpoint,
  type Module,
  saveCheckpoint,
  sourceName,
  tf,
} from '@scalespace/core';
import { VDVAE } from './vdvae.js';
import { plainVDVAEConfig, type VDVAEConfig } from './vdvae-config.js';

export const VDVAE_FORMAT = 'scalespace-vdvae/1';

/** The config stored beside a VD-VAE's weights. */
export interface VDVAECheckpointConfig {
  format: string;
  model: VDVAEConfig;
  [key: string]: unknown;
}

/**
 * Reads a checkpoint whose config has `format`, builds the module from the config and loads the
 * weights; every mismatch is a CheckpointError naming the path.
 */
export async function loadModule<C extends { format?: string }, M extends Module>(
  source: CheckpointSource,
  format: string,
  label: string,
  build: (config: C) => M,
  options: LongWorkOptions = {},
): Promise<M> {
  const { tensors, config } = await loadCheckpoint<C>(source, undefined, options);
  const path = sourceName(source);
  try {
    if (!config || config.format !== format) {
      throw new CheckpointError(
        `${path} is not a ${label} checkpoint (format ${String(config?.format)}, expected ${format})`,
      );
    }
    const model = build(config);
    try {
      model.loadStateDict(tensors);
    } catch (error) {
      model.dispose();
      throw new CheckpointError(`${path}: ${(error as Error).message}`, { cause: error });
    }
    return model;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Loads a VD-VAE saved by `trainVDVAE` or `saveVDVAE`: a directory or its `.safetensors` file by path
 * (Node), a URL, a Response or the bytes.
 */
export function loadVDVAE(source: CheckpointSource, options: LongWorkOptions = {}): Promise<VDVAE> {
  return loadModule<VDVAECheckpointConfig, VDVAE>(source, VDVAE_FORMAT, 'VD-VAE', (c) => new VDVAE(c.model), options);
}

/** Saves a VD-VAE as a checkpoint directory that `loadVDVAE` reads. */
export async function saveVDVAE(path: string, model: VDVAE, extra: Record<string, unknown> = {}): Promise<void> {
  await saveCheckpoint(path, model, { format: VDVAE_FORMAT, model: plainVDVAEConfig(model.config), ...extra });
}

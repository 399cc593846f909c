import { CheckpointError, loadCheckpoint, saveCheckpoint, tf } from '@scalespace/core';
import { VDVAE_FORMAT } from './train-vdvae.js';
import { Vdvae } from './vdvae.js';
import { plainVdvaeConfig, type VdvaeConfig } from './vdvae-config.js';

/** The config stored beside a VD-VAE's weights. */
export interface VdvaeCheckpointConfig {
  format: string;
  model: VdvaeConfig;
  [key: string]: unknown;
}

/** Loads a VD-VAE saved by `trainVdvae` or `saveVdvae` (a directory or its `.safetensors` file). */
export async function loadVdvae(path: string): Promise<Vdvae> {
  const { tensors, config } = await loadCheckpoint<VdvaeCheckpointConfig>(path);
  try {
    if (!config || config.format !== VDVAE_FORMAT || !config.model) {
      throw new CheckpointError(
        `"${path}" is not a VD-VAE checkpoint (format ${String(config?.format)}, expected ${VDVAE_FORMAT})`,
      );
    }
    const model = new Vdvae(config.model);
    try {
      model.loadStateDict(tensors);
    } catch (error) {
      model.dispose();
      throw new CheckpointError(`"${path}": ${(error as Error).message}`, { cause: error });
    }
    return model;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Saves a VD-VAE as a checkpoint directory that `loadVdvae` reads. */
export async function saveVdvae(path: string, model: Vdvae, extra: Record<string, unknown> = {}): Promise<void> {
  await saveCheckpoint(path, model, { format: VDVAE_FORMAT, model: plainVdvaeConfig(model.config), ...extra });
}

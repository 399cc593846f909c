import { type CheckpointSource, type LongWorkOptions, saveCheckpoint } from '@scalespace/core';
import { CVDVAE, type CVDVAEConfig } from './cvdvae.js';
import { VDVAE } from './vdvae.js';
import { plainVDVAEConfig, type VDVAEConfig } from './vdvae-config.js';
import { loadModule } from './vdvae-io.js';

export const CVDVAE_FORMAT = 'scalespace-cvdvae/1';

/** What a CVDVAE directory's config holds. */
export interface CVDVAECheckpointConfig {
  format: string;
  prior: VDVAEConfig;
  cvdvae: CVDVAEConfig;
  [key: string]: unknown;
}

export function checkpointConfig(model: CVDVAE, extra: Record<string, unknown>): CVDVAECheckpointConfig {
  return { format: CVDVAE_FORMAT, prior: plainVDVAEConfig(model.prior.config), cvdvae: model.config, ...extra };
}

/**
 * Loads a CVDVAE written by `trainCVDVAE` or `saveCVDVAE`: a directory or its `.safetensors` file by path
 * (Node), a URL, a Response or the bytes; `options` reports download progress and aborts it.
 */
export function loadCVDVAE(source: CheckpointSource, options: LongWorkOptions = {}): Promise<CVDVAE> {
  return loadModule<CVDVAECheckpointConfig, CVDVAE>(
    source,
    CVDVAE_FORMAT,
    'CVDVAE',
    (c) => new CVDVAE(new VDVAE(c.prior), c.cvdvae),
    options,
  );
}

/** Saves a CVDVAE (prior and low-resolution encoder) as a checkpoint directory (Node). */
export async function saveCVDVAE(path: string, model: CVDVAE, extra: Record<string, unknown> = {}): Promise<void> {
  await saveCheckpoint(path, model, checkpointConfig(model, extra));
}

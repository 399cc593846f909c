import { type CheckpointSource, type LongWorkOptions, saveCheckpoint } from '@scalespace/core';
import { Cvdvae, type CvdvaeConfig } from './cvdvae.js';
import { Vdvae } from './vdvae.js';
import { plainVdvaeConfig, type VdvaeConfig } from './vdvae-config.js';
import { loadModule } from './vdvae-io.js';

export const CVDVAE_FORMAT = 'scalespace-cvdvae/1';

/** What a CVDVAE directory's config holds. */
export interface CvdvaeCheckpointConfig {
  format: string;
  prior: VdvaeConfig;
  cvdvae: CvdvaeConfig;
  [key: string]: unknown;
}

export function checkpointConfig(model: Cvdvae, extra: Record<string, unknown>): CvdvaeCheckpointConfig {
  return { format: CVDVAE_FORMAT, prior: plainVdvaeConfig(model.prior.config), cvdvae: model.config, ...extra };
}

/**
 * Loads a CVDVAE written by `trainCvdvae` or `saveCvdvae`: a directory or its `.safetensors` file by path
 * (Node), a URL, a Response or the bytes; `options` reports download progress and aborts it.
 */
export function loadCvdvae(source: CheckpointSource, options: LongWorkOptions = {}): Promise<Cvdvae> {
  return loadModule<CvdvaeCheckpointConfig, Cvdvae>(
    source,
    CVDVAE_FORMAT,
    'CVDVAE',
    (c) => new Cvdvae(new Vdvae(c.prior), c.cvdvae),
    options,
  );
}

/** Saves a CVDVAE (prior and low-resolution encoder) as a checkpoint directory (Node). */
export async function saveCvdvae(path: string, model: Cvdvae, extra: Record<string, unknown> = {}): Promise<void> {
  await saveCheckpoint(path, model, checkpointConfig(model, extra));
}

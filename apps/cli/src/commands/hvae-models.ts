import { existsSync } from 'node:fs';
import { CVDVAE_FORMAT, type Cvdvae, loadCvdvae, loadVdvae, VDVAE_FORMAT, type Vdvae } from '@scalespace/hvae';
import { UsageError } from '../command.js';
import { readCheckpointConfig } from '../models.js';

/** Shipped hvae model packages by short name. */
const SHIPPED: Record<string, () => Promise<{ weightsDir: string }>> = {
  'vdvae-mnist': () => import('@scalespace/model-vdvae-mnist'),
  'cvdvae-mnist-x4': () => import('@scalespace/model-cvdvae-mnist-x4'),
};

/** A model directory, or the weights folder of a shipped model named like `cvdvae-mnist-x4`. */
export async function resolveHvaeModel(nameOrDir: string): Promise<string> {
  if (existsSync(nameOrDir)) return nameOrDir;
  const load = SHIPPED[nameOrDir];
  if (!load) {
    throw new UsageError(
      `"${nameOrDir}" is neither a model directory nor a shipped model (${Object.keys(SHIPPED).join(', ')})`,
    );
  }
  return (await load()).weightsDir;
}

/** The kind of hvae checkpoint in a directory, or null. */
export async function hvaeKind(dir: string): Promise<'vdvae' | 'cvdvae' | null> {
  const format = (await readCheckpointConfig(dir))?.format;
  return format === VDVAE_FORMAT ? 'vdvae' : format === CVDVAE_FORMAT ? 'cvdvae' : null;
}

/** Loads a VD-VAE directory, or the prior inside a CVDVAE directory. */
export async function loadPrior(dir: string): Promise<Vdvae> {
  const kind = await hvaeKind(dir);
  if (kind === 'vdvae') return loadVdvae(dir);
  if (kind === 'cvdvae') {
    const model: Cvdvae = await loadCvdvae(dir);
    // Keep the prior, free the low-resolution encoder around it.
    const prior = new Set(Object.values(model.prior.stateDict()));
    for (const v of Object.values(model.stateDict())) if (!prior.has(v)) v.dispose();
    return model.prior;
  }
  throw new UsageError(`"${dir}" is not a VD-VAE or CVDVAE model directory`);
}

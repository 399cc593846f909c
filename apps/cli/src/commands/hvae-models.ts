import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CVDVAE,
  CVDVAE_FORMAT,
  loadCVDVAE,
  loadVDVAE,
  OFFICIAL_HPS_PRESETS,
  type OfficialHps,
  parseOfficialHps,
  type VDVAE,
  VDVAE_FORMAT,
} from '@scalespace/hvae';
import { type CommandContext, UsageError } from '../command.js';
import { readCheckpointConfig } from '../models.js';

/** Shipped hvae model packages by short name. */
const SHIPPED: Record<string, () => Promise<{ weightsUrl: URL | undefined }>> = {
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
  return dirname(fileURLToPath((await load()).weightsUrl!));
}

/** The kind of hvae checkpoint in a directory, or null. */
export async function hvaeKind(dir: string): Promise<'vdvae' | 'cvdvae' | null> {
  const format = (await readCheckpointConfig(dir))?.format;
  return format === VDVAE_FORMAT ? 'vdvae' : format === CVDVAE_FORMAT ? 'cvdvae' : null;
}

/** Loads a VD-VAE directory, or the prior inside a CVDVAE directory. */
export async function loadPrior(dir: string): Promise<VDVAE> {
  const kind = await hvaeKind(dir);
  if (kind === 'vdvae') return loadVDVAE(dir);
  if (kind === 'cvdvae') {
    const model: CVDVAE = await loadCVDVAE(dir);
    // Keep the prior, free the low-resolution encoder around it.
    const prior = new Set(Object.values(model.prior.stateDict()));
    for (const v of Object.values(model.stateDict())) if (!prior.has(v)) v.dispose();
    return model.prior;
  }
  throw new UsageError(`"${dir}" is not a VD-VAE or CVDVAE model directory`);
}

/** `--hps`: an official hps.py set name, or a file of official hps (a JSON object or the run's log.jsonl). */
export async function officialHpsOption(ctx: CommandContext): Promise<string | OfficialHps> {
  const value = ctx.values.hps;
  const presets = Object.keys(OFFICIAL_HPS_PRESETS).join('|');
  if (typeof value !== 'string')
    throw new UsageError(`--hps is required (official checkpoints hold no hyper-parameters): ${presets} or FILE.json`);
  if (OFFICIAL_HPS_PRESETS[value]) return value;
  if (!existsSync(value))
    throw new UsageError(`--hps "${value}" is neither an official hps set (${presets}) nor a file`);
  return parseOfficialHps(await readFile(value, 'utf8'), `--hps "${value}"`);
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  type CVDVAE,
  loadCVDVAE,
  loadVDVAE,
  OFFICIAL_HPS_PRESETS,
  type OfficialHps,
  parseOfficialHps,
  type VDVAE,
} from '@scalespace/hvae';
import { type CommandContext, UsageError } from '../command.js';
import type { ResolvedModel } from '../models.js';

/** Loads a VD-VAE, or the prior inside a CVDVAE. */
export async function loadPrior({ dir, kind }: ResolvedModel): Promise<VDVAE> {
  if (kind === 'vdvae') return loadVDVAE(dir);
  const model: CVDVAE = await loadCVDVAE(dir);
  // Keep the prior, free the low-resolution encoder around it.
  const prior = new Set(Object.values(model.prior.stateDict()));
  for (const v of Object.values(model.stateDict())) if (!prior.has(v)) v.dispose();
  return model.prior;
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

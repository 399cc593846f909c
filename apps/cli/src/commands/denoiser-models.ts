import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type FlatDenoiser, loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';
import { UsageError } from '../command.js';

const CELEBA160 = '@scalespace/model-kadkhodaie-celeba160';

/**
 * The shipped denoisers by short name: the official networks of Kadkhodaie et al. (grey CelebA faces) and the
 * two trained by scalespace on CC0 photos. Each is a checkpoint folder inside its model package.
 */
export const SHIPPED_DENOISERS: Record<string, { package: string; weights: string }> = {
  ...Object.fromEntries(
    [5, 9, 13, 23, 43].flatMap((rf) =>
      ['flat', 'multiscale'].map((kind) => [
        `${kind}-rf${rf}`,
        { package: CELEBA160, weights: `weights/${kind}-rf${rf}` },
      ]),
    ),
  ),
  'multiscale320-rf13': { package: '@scalespace/model-kadkhodaie-celeba320', weights: 'weights/multiscale-rf13' },
  'denoiser-flat-rf43': { package: '@scalespace/model-denoiser-flat-rf43', weights: 'weights' },
  'denoiser-multiscale-rf13': { package: '@scalespace/model-denoiser-multiscale-rf13', weights: 'weights' },
};

/**
 * The denoiser `scalespace denoise` uses without --model: the best mean denoising PSNR over sigma 5 to 100 on the
 * held-out photos (camera, chelsea), measured by `pnpm bench kadkhodaie` (part denoise).
 */
export const DEFAULT_DENOISER = 'flat-rf43';

/**
 * The prior `scalespace restore` uses without --model: the best mean PSNR over the five tasks on the held-out
 * photos, and 1.8x faster than flat-rf43 (`pnpm bench kadkhodaie`, part restore-models).
 */
export const DEFAULT_RESTORE_MODEL = 'flat-rf13';

/** A model named on the command line: a checkpoint directory, a short name above, or a model package name. */
export async function resolveDenoiser(name: string): Promise<FlatDenoiser | MultiscaleDenoiser> {
  if (existsSync(name)) return loadDenoiser(resolve(name));
  const shipped = SHIPPED_DENOISERS[name];
  const packageName = shipped?.package ?? (name.startsWith('@') ? name : undefined);
  const require = createRequire(import.meta.url);
  let dir: string | undefined;
  try {
    if (packageName) dir = dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    dir = undefined;
  }
  if (!dir) {
    throw new UsageError(
      `--model ${name}: no checkpoint at that path and no shipped model of that name; shipped: ${Object.keys(SHIPPED_DENOISERS).join(', ')}`,
    );
  }
  return loadDenoiser(join(dir, shipped?.weights ?? 'weights'));
}

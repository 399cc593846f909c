import { type FlatDenoiser, loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';
import type { CommandContext } from '../command.js';
import { type ModelKind, modelOption } from '../models.js';

/** The models `denoise`, `restore` and `train denoiser --lowpass-from` take. */
export const DENOISER_KINDS: readonly ModelKind[] = ['denoiser'];

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

/** Loads the denoiser a model option names (see models.ts for the forms it takes). The caller disposes it. */
export async function loadDenoiserOption(
  ctx: CommandContext,
  name = 'model',
): Promise<FlatDenoiser | MultiscaleDenoiser> {
  return loadDenoiser((await modelOption(ctx, name)).dir);
}

import { fileURLToPath } from 'node:url';
import { loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';

/** The folder holding the weights: model.safetensors and config.json (a scalespace checkpoint). */
export const weightsDir: string = fileURLToPath(new URL('../weights', import.meta.url));

/** Loads the trained multiscale denoiser (call `initBackend()` first). The caller disposes it. */
export async function load(): Promise<MultiscaleDenoiser> {
  return (await loadDenoiser(weightsDir)) as MultiscaleDenoiser;
}

import { fileURLToPath } from 'node:url';
import { type FlatDenoiser, loadDenoiser } from '@scalespace/denoisers';

/** The folder holding the weights: model.safetensors and config.json (a scalespace checkpoint). */
export const weightsDir: string = fileURLToPath(new URL('../weights', import.meta.url));

/** Photos kept out of training (camera.png, chelsea.png; CC0, see held-out/SOURCES.md), for measurements and demos. */
export const heldOutDir: string = fileURLToPath(new URL('../held-out', import.meta.url));

/** Loads the trained flat denoiser (call `initBackend()` first). The caller disposes it. */
export async function load(): Promise<FlatDenoiser> {
  return (await loadDenoiser(weightsDir)) as FlatDenoiser;
}

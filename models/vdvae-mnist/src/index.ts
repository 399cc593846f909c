import { fileURLToPath } from 'node:url';
import { loadVdvae, type Vdvae } from '@scalespace/hvae';

/** The folder holding the weights: model.safetensors and config.json (a scalespace checkpoint). */
export const weightsDir: string = fileURLToPath(new URL('../weights', import.meta.url));

/** Loads the trained MNIST VD-VAE prior (call `initBackend()` first). The caller disposes it. */
export function load(): Promise<Vdvae> {
  return loadVdvae(weightsDir);
}

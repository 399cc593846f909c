import { fileURLToPath } from 'node:url';
import { type Cvdvae, loadCvdvae } from '@scalespace/hvae';

/** The folder holding the weights: model.safetensors (prior + low-resolution encoder) and config.json. */
export const weightsDir: string = fileURLToPath(new URL('../weights', import.meta.url));

/** Loads the trained x4 MNIST CVDVAE (call `initBackend()` first). The caller disposes it. */
export function load(): Promise<Cvdvae> {
  return loadCvdvae(weightsDir);
}

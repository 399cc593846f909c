import { fileURLToPath } from 'node:url';
import { loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';

/** A face that is not in CelebA (astronaut-face-320.png, public domain; see test-images/SOURCES.md), for measurements. */
export const testImagesDir: string = fileURLToPath(new URL('../test-images', import.meta.url));

/** The checkpoint folder (model.safetensors + config.json) of the 3-level set: what `loadDenoiser` and the CLI read. */
export const weightsDir: string = fileURLToPath(new URL('../weights/multiscale-rf13', import.meta.url));

/** Loads the 3-level multi-scale set (conditional RF 13; call `initBackend()` first). The caller disposes it. */
export async function load(): Promise<MultiscaleDenoiser> {
  return (await loadDenoiser(weightsDir)) as MultiscaleDenoiser;
}

import { fileURLToPath } from 'node:url';
import { loadSingleImageModel, type SingleImageModel } from '@scalespace/singan';

/** The folder holding the weights: model.safetensors and config.json (a scalespace checkpoint). */
export const weightsDir: string = fileURLToPath(new URL('../weights', import.meta.url));

/** Loads the trained model of the coffee photo (call `initBackend()` first). The caller disposes it. */
export async function load(): Promise<SingleImageModel> {
  return loadSingleImageModel(weightsDir);
}

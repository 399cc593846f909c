import { fileURLToPath } from 'node:url';
import { type AutoregressiveModel, loadModel } from '@scalespace/autoregressive';

/** The folder holding the weights: model.safetensors and config.json (a scalespace checkpoint). */
export const weightsDir: string = fileURLToPath(new URL('../weights', import.meta.url));

/** Loads the trained PixelPyramids model (call `initBackend()` first). The caller disposes `model.module`. */
export function load(): Promise<AutoregressiveModel & { training?: Record<string, unknown> }> {
  return loadModel(weightsDir);
}

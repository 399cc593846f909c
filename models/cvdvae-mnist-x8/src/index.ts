import { type CheckpointSource, type LongWorkOptions, modelSource, packageAsset } from '@scalespace/core';
import { type CVDVAE, loadCVDVAE } from '@scalespace/hvae';

const NAME = '@scalespace/model-cvdvae-mnist-x8';

/**
 * The weights (model.safetensors; its header holds the config), a package asset: Vite, webpack and Parcel
 * copy it into a build. Undefined where import.meta.url is not a URL (an esbuild IIFE bundle).
 */
export const weightsUrl: URL | undefined = packageAsset(() => new URL('../weights/model.safetensors', import.meta.url));

/**
 * Loads the trained x8 MNIST CVDVAE (prior + low-resolution encoder) (call `initBackend()` first): the shipped
 * weights, or `source` (a URL, a Response, the bytes, or a path in Node). `onProgress` / `signal` follow the
 * download. The caller disposes it.
 */
export function load(source?: CheckpointSource, options: LongWorkOptions = {}): Promise<CVDVAE> {
  return loadCVDVAE(modelSource(source, weightsUrl, NAME), options);
}

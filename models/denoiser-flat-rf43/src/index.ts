import { type CheckpointSource, type LongWorkOptions, modelSource, packageAsset } from '@scalespace/core';
import { type FlatDenoiser, loadDenoiser } from '@scalespace/denoisers';

const NAME = '@scalespace/model-denoiser-flat-rf43';

/**
 * The weights (model.safetensors; its header holds the config), a package asset: Vite, webpack and Parcel
 * copy it into a build. Undefined where import.meta.url is not a URL (an esbuild IIFE bundle).
 */
export const weightsUrl: URL | undefined = packageAsset(() => new URL('../weights/model.safetensors', import.meta.url));

/** Photos kept out of training (CC0, see held-out/SOURCES.md), for measurements and demos: package assets too. */
export const heldOutPhotos: { camera: URL | undefined; chelsea: URL | undefined } = {
  camera: packageAsset(() => new URL('../held-out/camera.png', import.meta.url)),
  chelsea: packageAsset(() => new URL('../held-out/chelsea.png', import.meta.url)),
};

/**
 * Loads the trained flat denoiser (call `initBackend()` first): the shipped weights, or `source` (a URL, a Response,
 * the bytes, or a path in Node). `onProgress` / `signal` follow the download. The caller disposes it.
 */
export async function load(source?: CheckpointSource, options: LongWorkOptions = {}): Promise<FlatDenoiser> {
  return (await loadDenoiser(modelSource(source, weightsUrl, NAME), options)) as FlatDenoiser;
}

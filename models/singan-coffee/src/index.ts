import { type CheckpointSource, type LongWorkOptions, modelSource, packageAsset } from '@scalespace/core';
import { loadSingleImageModel, type SingleImageModel } from '@scalespace/singan';

const NAME = '@scalespace/model-singan-coffee';

/**
 * The weights (model.safetensors; its header holds the config), a package asset: Vite, webpack and Parcel
 * copy it into a build. Undefined where import.meta.url is not a URL (an esbuild IIFE bundle).
 */
export const weightsUrl: URL | undefined = packageAsset(() => new URL('../weights/model.safetensors', import.meta.url));

/**
 * Loads the trained model of the coffee photo (call `initBackend()` first): the shipped weights, or `source` (a URL,
 * a Response, the bytes, or a path in Node). `onProgress` / `signal` follow the download. The caller disposes it.
 */
export function load(source?: CheckpointSource, options: LongWorkOptions = {}): Promise<SingleImageModel> {
  return loadSingleImageModel(modelSource(source, weightsUrl, NAME), options);
}

import { type CheckpointSource, type LongWorkOptions, modelSource, packageAsset } from '@scalespace/core';
import { loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';

const NAME = '@scalespace/model-kadkhodaie-celeba320';

/**
 * The weights of the 3-level set (model.safetensors; its header holds the config), a package asset: Vite, webpack
 * and Parcel copy it into a build. Undefined where import.meta.url is not a URL (an esbuild IIFE bundle).
 */
export const weightsUrl: URL | undefined = packageAsset(
  () => new URL('../weights/multiscale-rf13/model.safetensors', import.meta.url),
);

/** A face that is not in CelebA (320x320, public domain; see test-images/SOURCES.md), for measurements. */
export const testImage: URL | undefined = packageAsset(
  () => new URL('../test-images/astronaut-face-320.png', import.meta.url),
);

/**
 * Loads the 3-level multi-scale set (conditional RF 13; call `initBackend()` first): the shipped weights, or
 * `source` (a URL, a Response, the bytes, or a path in Node). The caller disposes it.
 */
export async function load(source?: CheckpointSource, options: LongWorkOptions = {}): Promise<MultiscaleDenoiser> {
  return (await loadDenoiser(modelSource(source, weightsUrl, NAME), options)) as MultiscaleDenoiser;
}

import {
  type CheckpointSource,
  InvalidArgumentError,
  type LongWorkOptions,
  modelSource,
  packageAsset,
} from '@scalespace/core';
import { type FlatDenoiser, loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';

const NAME = '@scalespace/model-kadkhodaie-celeba160';

/** The shipped networks: flat BF-CNNs and multi-scale conditional sets (one low-pass net each), by receptive field. */
export const models = [
  'flat-rf5',
  'flat-rf9',
  'flat-rf13',
  'flat-rf23',
  'flat-rf43',
  'multiscale-rf5',
  'multiscale-rf9',
  'multiscale-rf13',
  'multiscale-rf23',
  'multiscale-rf43',
] as const;

export type ModelName = (typeof models)[number];

/**
 * Each network's weights (model.safetensors; its header holds the config), package assets: Vite, webpack and Parcel
 * copy them into a build (each URL is written out so bundlers see it). Undefined where import.meta.url is not a URL.
 */
export const weightsUrls: Record<ModelName, URL | undefined> = {
  'flat-rf5': packageAsset(() => new URL('../weights/flat-rf5/model.safetensors', import.meta.url)),
  'flat-rf9': packageAsset(() => new URL('../weights/flat-rf9/model.safetensors', import.meta.url)),
  'flat-rf13': packageAsset(() => new URL('../weights/flat-rf13/model.safetensors', import.meta.url)),
  'flat-rf23': packageAsset(() => new URL('../weights/flat-rf23/model.safetensors', import.meta.url)),
  'flat-rf43': packageAsset(() => new URL('../weights/flat-rf43/model.safetensors', import.meta.url)),
  'multiscale-rf5': packageAsset(() => new URL('../weights/multiscale-rf5/model.safetensors', import.meta.url)),
  'multiscale-rf9': packageAsset(() => new URL('../weights/multiscale-rf9/model.safetensors', import.meta.url)),
  'multiscale-rf13': packageAsset(() => new URL('../weights/multiscale-rf13/model.safetensors', import.meta.url)),
  'multiscale-rf23': packageAsset(() => new URL('../weights/multiscale-rf23/model.safetensors', import.meta.url)),
  'multiscale-rf43': packageAsset(() => new URL('../weights/multiscale-rf43/model.safetensors', import.meta.url)),
};

/** A face that is not in CelebA (160x160, public domain; see test-images/SOURCES.md), for measurements. */
export const testImage: URL | undefined = packageAsset(
  () => new URL('../test-images/astronaut-face-160.png', import.meta.url),
);

/**
 * Loads one of the official networks (call `initBackend()` first; default flat-rf43): the shipped weights, or
 * `source` (a URL, a Response, the bytes, or a path in Node). The caller disposes it.
 */
export async function load(
  name: 'flat-rf5' | 'flat-rf9' | 'flat-rf13' | 'flat-rf23' | 'flat-rf43',
  source?: CheckpointSource,
  options?: LongWorkOptions,
): Promise<FlatDenoiser>;
export async function load(
  name: Exclude<ModelName, `flat-${string}`>,
  source?: CheckpointSource,
  options?: LongWorkOptions,
): Promise<MultiscaleDenoiser>;
export async function load(
  name?: ModelName,
  source?: CheckpointSource,
  options?: LongWorkOptions,
): Promise<FlatDenoiser | MultiscaleDenoiser>;
export async function load(
  name: ModelName = 'flat-rf43',
  source?: CheckpointSource,
  options: LongWorkOptions = {},
): Promise<FlatDenoiser | MultiscaleDenoiser> {
  if (!models.includes(name)) {
    throw new InvalidArgumentError(`${NAME} has no model "${name}"; it has ${models.join(', ')}`);
  }
  return loadDenoiser(modelSource(source, weightsUrls[name], `${NAME} ${name}`), options);
}

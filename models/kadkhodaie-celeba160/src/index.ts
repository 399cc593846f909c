import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@scalespace/core';
import { type FlatDenoiser, loadDenoiser, type MultiscaleDenoiser } from '@scalespace/denoisers';

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

/** A face that is not in CelebA (astronaut-face-160.png, public domain; see test-images/SOURCES.md), for measurements. */
export const testImagesDir: string = fileURLToPath(new URL('../test-images', import.meta.url));

/** The checkpoint folder (model.safetensors + config.json) of one model: what `loadDenoiser` and the CLI read. */
export function weightsDir(name: ModelName): string {
  if (!models.includes(name)) {
    throw new InvalidArgumentError(
      `@scalespace/model-kadkhodaie-celeba160 has no model "${name}"; it has ${models.join(', ')}`,
    );
  }
  return fileURLToPath(new URL(`../weights/${name}`, import.meta.url));
}

/** Loads one of the official networks (call `initBackend()` first; default flat-rf43). The caller disposes it. */
export async function load(
  name: 'flat-rf5' | 'flat-rf9' | 'flat-rf13' | 'flat-rf23' | 'flat-rf43',
): Promise<FlatDenoiser>;
export async function load(name: Exclude<ModelName, `flat-${string}`>): Promise<MultiscaleDenoiser>;
export async function load(name?: ModelName): Promise<FlatDenoiser | MultiscaleDenoiser>;
export async function load(name: ModelName = 'flat-rf43'): Promise<FlatDenoiser | MultiscaleDenoiser> {
  return loadDenoiser(weightsDir(name));
}

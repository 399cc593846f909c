import {
  CheckpointError,
  type CheckpointSource,
  decodeSafetensors,
  type LongWorkOptions,
  readBytes,
  sourceName,
  WEIGHTS_FILE,
} from '@scalespace/core';
import { PETSGAN_FORMAT, PetsGAN } from './petsgan.js';
import { SINGAN_FORMAT, SinGAN } from './singan.js';
import type { SingleImageModel } from './single-image-model.js';

type Method = 'singan' | 'petsgan' | null;

const methodOf = (config: { format?: string } | null): Method =>
  config?.format === SINGAN_FORMAT ? 'singan' : config?.format === PETSGAN_FORMAT ? 'petsgan' : null;

/** Which single-image model a directory holds, from its config.json (null when it holds neither). */
export async function modelMethod(dir: string): Promise<Method> {
  try {
    const bytes = await readBytes(`${dir.replace(/[\\/]+$/, '')}/config.json`);
    return methodOf(JSON.parse(new TextDecoder().decode(bytes)) as { format?: string });
  } catch {
    return null;
  }
}

/**
 * Loads a trained SinGAN or PetsGAN model, whichever it is: a directory written by the trainers, `save`
 * or a model package, or its `.safetensors` file by path (Node), a URL, a Response or the bytes.
 */
export async function loadSingleImageModel(
  source: CheckpointSource,
  options: LongWorkOptions = {},
): Promise<SingleImageModel> {
  const weights =
    typeof source === 'string' && !source.endsWith('.safetensors')
      ? `${source.replace(/[\\/]+$/, '')}/${WEIGHTS_FILE}`
      : source;
  const bytes = await readBytes(weights, options);
  const { metadata } = decodeSafetensors(bytes, sourceName(weights));
  let config: { format?: string } | null = null;
  try {
    config = JSON.parse(metadata.config ?? 'null');
  } catch {
    // reported below as neither model
  }
  const method = methodOf(config);
  if (method === 'singan') return SinGAN.load(bytes);
  if (method === 'petsgan') return PetsGAN.load(bytes);
  throw new CheckpointError(`${sourceName(source)} holds a checkpoint that is neither a SinGAN nor a PetsGAN model`);
}

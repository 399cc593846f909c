import { CheckpointError, loadCheckpoint, tf } from '@scalespace/core';
import { PETSGAN_FORMAT, PetsGAN } from './petsgan.js';
import { SINGAN_FORMAT, SinGAN } from './singan.js';
import type { SingleImageModel } from './single-image-model.js';

/** Which single-image model a directory holds, from its checkpoint's config (null when it holds neither). */
export async function modelMethod(dir: string): Promise<'singan' | 'petsgan' | null> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { format?: string };
    return config.format === SINGAN_FORMAT ? 'singan' : config.format === PETSGAN_FORMAT ? 'petsgan' : null;
  } catch {
    return null;
  }
}

/**
 * Loads a trained SinGAN or PetsGAN model from a directory written by the trainers, `save` or a
 * model package, whichever it holds.
 */
export async function loadSingleImageModel(dir: string): Promise<SingleImageModel> {
  const method = await modelMethod(dir);
  if (method === 'singan') return SinGAN.load(dir);
  if (method === 'petsgan') return PetsGAN.load(dir);
  // Let the checkpoint reader say what is missing (no directory, no weights), else name the problem.
  const { tensors } = await loadCheckpoint(dir);
  tf.dispose(Object.values(tensors));
  throw new CheckpointError(`"${dir}" holds a checkpoint that is neither a SinGAN nor a PetsGAN model`);
}

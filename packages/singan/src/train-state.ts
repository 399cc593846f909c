import { CheckpointError, InvalidArgumentError, loadTensors, saveTensors, tf } from '@scalespace/core';
import { loadTrainingImage } from './training-image.js';
import { intIn } from './validate.js';

/** The file, inside a training output directory, that holds everything needed to resume. */
export const TRAINING_STATE_FILE = 'training-state.safetensors';

/**
 * Saves named groups of tensors (model, critics, optimiser moments) and a JSON document as one
 * safetensors file, atomically, so a resumed run always sees one consistent moment of training.
 */
export async function saveTrainingState(
  dir: string,
  groups: Record<string, Record<string, tf.Tensor>>,
  info: unknown,
): Promise<void> {
  const { join } = await import('node:path');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, tf.Tensor> = {};
  for (const [group, named] of Object.entries(groups)) {
    for (const [name, t] of Object.entries(named)) tensors[`${group}/${name}`] = t;
  }
  await saveTensors(join(dir, TRAINING_STATE_FILE), tensors, { info: JSON.stringify(info) });
}

/** Reads a training state back: tensors by group (owned by the caller) and the JSON document. Null when absent. */
export async function loadTrainingState<I>(
  dir: string,
): Promise<{ groups: Record<string, Record<string, tf.Tensor>>; info: I } | null> {
  const { join } = await import('node:path');
  const { access } = await import('node:fs/promises');
  const file = join(dir, TRAINING_STATE_FILE);
  try {
    await access(file);
  } catch {
    return null;
  }
  const { tensors, metadata } = await loadTensors(file);
  let info: I;
  try {
    info = JSON.parse(metadata.info ?? '') as I;
  } catch (error) {
    throw new CheckpointError(`"${file}" has no readable training info; delete it to train from scratch`, {
      cause: error,
    });
  }
  const groups: Record<string, Record<string, tf.Tensor>> = {};
  for (const [key, host] of Object.entries(tensors)) {
    const slash = key.indexOf('/');
    const group = key.slice(0, slash);
    groups[group] ??= {};
    groups[group][key.slice(slash + 1)] = tf.tensor(host.values, host.shape, host.dtype);
  }
  return { groups, info };
}

/** Disposes every tensor of a loaded training state. */
export function disposeGroups(groups: Record<string, Record<string, tf.Tensor>>): void {
  for (const g of Object.values(groups)) tf.dispose(Object.values(g));
}

/**
 * What every trainer does first: validates `checkpointEvery` and `resume`, loads the training image
 * and, when resuming, the saved state (checked to be of `format`). The caller owns the results.
 */
export async function beginTraining<I extends { config: { format: string } }>(
  options: { image: tf.Tensor3D | string; out?: string; resume?: boolean; checkpointEvery?: number },
  format: string,
): Promise<{
  image: tf.Tensor3D;
  checkpointEvery: number;
  saved: { groups: Record<string, Record<string, tf.Tensor>>; info: I } | null;
}> {
  const { out, resume = false } = options;
  const checkpointEvery = intIn(options.checkpointEvery, 100, 1, 1_000_000, 'checkpointEvery');
  if (resume && !out) throw new InvalidArgumentError('resume needs `out`, the directory of the run to continue');
  const image = await loadTrainingImage(options.image);
  try {
    const saved = resume && out ? await loadTrainingState<I>(out) : null;
    if (saved && saved.info.config?.format !== format) {
      disposeGroups(saved.groups);
      throw new CheckpointError(`"${out}" holds a training state of another kind; use a new --out directory`);
    }
    return { image, checkpointEvery, saved };
  } catch (error) {
    image.dispose();
    throw error;
  }
}

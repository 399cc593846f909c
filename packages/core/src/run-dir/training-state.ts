import { assertFinite } from '../checkpoint.js';
import { CheckpointError } from '../errors.js';
import { type HostTensor, toTensors } from '../safetensors.js';
import type { tf } from '../tf.js';

// The one file, in every trainer's output directory, that holds everything a resume needs (live
// weights, weight averages, optimiser moments, the trainer's own counters) written as one
// safetensors file, atomically: a crash can never pair new weights with old moments.

export const TRAINING_STATE_FILE = 'training-state.safetensors';
const FORMAT = 'scalespace-training-state/1';

export interface SavedTrainingState<I> {
  /** The file it was read from (the standard name, or a legacy one). */
  file: string;
  /** The trainer's step counter at save time, when it stored one. */
  step?: number;
  /** The tensors, owned by the caller (dispose them). */
  tensors: Record<string, tf.Tensor>;
  /** The trainer's JSON document (undefined for files written before it existed). */
  info?: I;
  /** Every string of the file's header, for trainers reading older layouts. */
  metadata: Record<string, string>;
}

/** Writes a run's training state to `dir/training-state.safetensors`, atomically. */
export async function saveTrainingState(
  dir: string,
  state: { step?: number; tensors: Record<string, tf.Tensor>; info?: unknown },
): Promise<void> {
  const { join } = await import('node:path');
  const { saveTensors } = await import('../checkpoint.js');
  const metadata: Record<string, string> = { format: FORMAT };
  if (state.step !== undefined) metadata.step = String(state.step);
  if (state.info !== undefined) metadata.info = JSON.stringify(state.info);
  await saveTensors(join(dir, TRAINING_STATE_FILE), state.tensors, metadata);
}

/**
 * Reads the training state of `dir`: `training-state.safetensors`, or else the first of
 * `legacyFiles` that exists (names older trainers used). Null when there is none. Every float
 * tensor is checked to be finite.
 */
export async function loadTrainingState<I = unknown>(
  dir: string,
  options: { legacyFiles?: string[] } = {},
): Promise<SavedTrainingState<I> | null> {
  const { join } = await import('node:path');
  const { existsSync } = await import('node:fs');
  const { loadTensors } = await import('../checkpoint.js');
  const file = [TRAINING_STATE_FILE, ...(options.legacyFiles ?? [])].map((f) => join(dir, f)).find(existsSync);
  if (!file) return null;
  const { tensors: host, metadata } = await loadTensors(file);
  assertFinite(host, file);
  let info: I | undefined;
  if (metadata.info !== undefined) {
    try {
      info = JSON.parse(metadata.info) as I;
    } catch (error) {
      throw new CheckpointError(`"${file}" has an unreadable training record; start over with --force`, {
        cause: error,
      });
    }
  }
  const step = metadata.step === undefined ? undefined : Number(metadata.step);
  if (step !== undefined && !(Number.isInteger(step) && step >= 0)) {
    throw new CheckpointError(`"${file}" records step "${metadata.step}", not a step number; start over with --force`);
  }
  return {
    file,
    ...(step !== undefined && { step }),
    tensors: toTensors(host as Record<string, HostTensor>),
    ...(info !== undefined && { info }),
    metadata,
  };
}

/** Named groups of tensors (model, critic, optimiser moments) as one flat record `group/name`. */
export function groupTensors(groups: Record<string, Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [group, named] of Object.entries(groups)) {
    for (const [name, t] of Object.entries(named)) out[`${group}/${name}`] = t;
  }
  return out;
}

/** The inverse of `groupTensors` (names without a `/` go to group ''). */
export function splitGroups(tensors: Record<string, tf.Tensor>): Record<string, Record<string, tf.Tensor>> {
  const groups: Record<string, Record<string, tf.Tensor>> = {};
  for (const [key, t] of Object.entries(tensors)) {
    const slash = key.indexOf('/');
    const group = slash < 0 ? '' : key.slice(0, slash);
    groups[group] ??= {};
    groups[group][key.slice(slash + 1)] = t;
  }
  return groups;
}

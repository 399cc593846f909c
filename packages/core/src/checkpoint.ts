import { writeFileAtomic } from './atomic-write.js';
import { CheckpointError } from './errors.js';
import type { Module, StateDict } from './module.js';
import { decodeSafetensors, type EncodeOptions, encodeSafetensors, type HostTensor, toTensors } from './safetensors.js';
import type { tf } from './tf.js';

/** File names inside a checkpoint directory. */
export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
const FORMAT = 'scalespace-checkpoint/1';

export interface CheckpointInfo<C> {
  /** The config saved with the weights (the model's hyper-parameters, data options, ...). */
  config: C;
  /** Training step at save time, when given. */
  step?: number;
  /** All string metadata of the safetensors header. */
  metadata: Record<string, string>;
}

async function resolvePaths(path: string): Promise<{ weights: string; config: string }> {
  const { join, dirname } = await import('node:path');
  if (path.endsWith('.safetensors')) return { weights: path, config: join(dirname(path), CONFIG_FILE) };
  return { weights: join(path, WEIGHTS_FILE), config: join(path, CONFIG_FILE) };
}

/** Writes tensors and string metadata to one safetensors file, atomically (`float16`: store floats as F16). */
export async function saveTensors(
  file: string,
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Promise<void> {
  await writeFileAtomic(file, await encodeSafetensors(tensors, metadata, options));
}

/** Reads a safetensors file into host arrays (no tfjs tensors are made). */
export async function loadTensors(
  file: string,
): Promise<{ tensors: Record<string, HostTensor>; metadata: Record<string, string> }> {
  const fs = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      code === 'ENOENT'
        ? `no checkpoint at "${file}" (file not found)`
        : `cannot read checkpoint "${file}": ${String(error)}`,
      { cause: error },
    );
  }
  return decodeSafetensors(bytes, `"${file}"`);
}

/**
 * Saves a module's state dict (or any named tensors) and its config as a checkpoint directory:
 * `model.safetensors` (weights, with the config and step in its header) and `config.json` (the same
 * config, for people and other tools). Each file is written atomically, and the weights file alone is
 * authoritative, so a crash mid-save leaves the previous checkpoint loadable.
 * A path ending in `.safetensors` names the weights file itself. `float16` stores the float tensors as F16
 * (half the size; they load as float32): for shipping weights whose outputs that rounding was measured not to change.
 */
export async function saveCheckpoint<C>(
  path: string,
  source: Module | StateDict,
  config: C,
  options: { step?: number; metadata?: Record<string, string>; float16?: boolean } = {},
): Promise<void> {
  const state =
    typeof (source as Module).stateDict === 'function' ? (source as Module).stateDict() : (source as StateDict);
  const { weights, config: configPath } = await resolvePaths(path);
  const metadata: Record<string, string> = { ...options.metadata, format: FORMAT, config: JSON.stringify(config) };
  if (options.step !== undefined) metadata.step = String(options.step);
  await saveTensors(weights, state, metadata, { float16: options.float16 });
  await writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
}

function parseInfo<C>(metadata: Record<string, string>, file: string): CheckpointInfo<C> {
  let config: C;
  try {
    config = JSON.parse(metadata.config ?? 'null') as C;
  } catch (error) {
    throw new CheckpointError(`"${file}" has a corrupt config in its header`, { cause: error });
  }
  const step = metadata.step === undefined ? undefined : Number(metadata.step);
  return step === undefined ? { config, metadata } : { config, step, metadata };
}

/**
 * Reads a checkpoint. With a module, loads the weights into it (every name, shape and dtype checked,
 * all mismatches listed in one error) and returns the config; without one, also returns the tensors,
 * which the caller then owns.
 */
export async function loadCheckpoint<C = unknown>(path: string, into: Module): Promise<CheckpointInfo<C>>;
export async function loadCheckpoint<C = unknown>(
  path: string,
): Promise<CheckpointInfo<C> & { tensors: Record<string, tf.Tensor> }>;
export async function loadCheckpoint<C = unknown>(
  path: string,
  into?: Module,
): Promise<CheckpointInfo<C> & { tensors?: Record<string, tf.Tensor> }> {
  const { weights } = await resolvePaths(path);
  const { tensors: host, metadata } = await loadTensors(weights);
  const info = parseInfo<C>(metadata, weights);
  const tensors = toTensors(host);
  if (!into) return { ...info, tensors };
  try {
    into.loadStateDict(tensors);
  } catch (error) {
    if (error instanceof CheckpointError) {
      throw new CheckpointError(`checkpoint "${weights}" does not fit the model: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return info;
}

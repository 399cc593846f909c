import { writeFileAtomic } from './atomic-write.js';
import { CheckpointError, ConfigError } from './errors.js';
import type { Module, StateDict } from './module.js';
import { decodeSafetensors, encodeSafetensors, type HostTensor, toTensors } from './safetensors.js';
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

/**
 * Throws a CheckpointError naming the first float tensor that holds NaN or an infinity: weights like
 * that load without complaint and then give black images or NaN losses. About a millisecond per
 * million values.
 */
export function assertFinite(tensors: Record<string, HostTensor>, file: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') continue;
    const values = t.values as Float32Array;
    for (let i = 0; i < values.length; i++) {
      // x - x is 0 for every finite x and NaN for NaN and the infinities.
      if (values[i] - values[i] !== 0) {
        let bad = 0;
        for (const v of values) if (v - v !== 0) bad++;
        throw new CheckpointError(
          `"${file}": tensor "${name}" holds ${bad} NaN/infinite value${bad > 1 ? 's' : ''} of ${values.length}; ` +
            'the weights are corrupt (a diverged or damaged run): use an earlier checkpoint or retrain',
        );
      }
    }
  }
}

/** Writes tensors and string metadata to one safetensors file, atomically. */
export async function saveTensors(
  file: string,
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(file, await encodeSafetensors(tensors, metadata));
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
 * A path ending in `.safetensors` names the weights file itself.
 */
export async function saveCheckpoint<C>(
  path: string,
  source: Module | StateDict,
  config: C,
  options: { step?: number; metadata?: Record<string, string> } = {},
): Promise<void> {
  const state =
    typeof (source as Module).stateDict === 'function' ? (source as Module).stateDict() : (source as StateDict);
  const { weights, config: configPath } = await resolvePaths(path);
  const metadata: Record<string, string> = { ...options.metadata, format: FORMAT, config: JSON.stringify(config) };
  if (options.step !== undefined) metadata.step = String(options.step);
  await saveTensors(weights, state, metadata);
  await writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * The directory's config.json, when there is one, must be readable JSON: the weights' header is what
 * loads, but a broken config.json means the folder was damaged or hand-edited, and is named here.
 */
async function checkConfigFile(file: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `"${file}" is not valid JSON (${(error as Error).message}); restore it from the run or model package`,
      { cause: error },
    );
  }
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
  const { weights, config } = await resolvePaths(path);
  const { tensors: host, metadata } = await loadTensors(weights);
  const info = parseInfo<C>(metadata, weights);
  assertFinite(host, weights);
  if (!path.endsWith('.safetensors')) await checkConfigFile(config);
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

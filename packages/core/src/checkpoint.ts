import * as platform from '#platform';
import { writeFileAtomic } from './atomic-write.js';
import { CheckpointError, ConfigError } from './errors.js';
import type { Module, StateDict } from './module.js';
import type { LongWorkOptions } from './progress.js';
import { decodeSafetensors, type EncodeOptions, encodeSafetensors, type HostTensor, toTensors } from './safetensors.js';
import type { tf } from './tf.js';
import { type BytesSource, readBytes, sourceName } from './weights-source.js';

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

/**
 * A checkpoint to read: a folder path (Node) or a folder URL ending in "/", holding `model.safetensors`;
 * the `.safetensors` file itself by path or URL; or its bytes (a `Response`, `Blob`, `ArrayBuffer`).
 * The weights file alone is enough: its header holds the config.
 */
export type CheckpointSource = BytesSource;

// Forward slashes join paths on Windows too, and this file must not import node:path (it runs in browsers).
function inFolder(folder: string, file: string): string {
  return `${folder.replace(/[\\/]+$/, '')}/${file}`;
}

function resolvePaths(path: string): { weights: string; config: string } {
  if (path.endsWith('.safetensors'))
    return { weights: path, config: inFolder(path.replace(/[^\\/]*$/, '') || '.', CONFIG_FILE) };
  return { weights: inFolder(path, WEIGHTS_FILE), config: inFolder(path, CONFIG_FILE) };
}

function weightsOf(source: CheckpointSource): CheckpointSource {
  if (typeof source === 'string') return source.endsWith('.safetensors') ? source : inFolder(source, WEIGHTS_FILE);
  if (source instanceof URL)
    return source.pathname.endsWith('.safetensors') ? source : new URL(WEIGHTS_FILE, source.href.replace(/\/?$/, '/'));
  return source;
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

/** Writes tensors and string metadata to one safetensors file, atomically (`float16`: store floats as F16). */
export async function saveTensors(
  file: string,
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Promise<void> {
  await writeFileAtomic(file, await encodeSafetensors(tensors, metadata, options));
}

/** Reads a safetensors file (a path in Node, a URL, a Response or bytes) into host arrays (no tfjs tensors). */
export async function loadTensors(
  file: BytesSource,
  options: LongWorkOptions = {},
): Promise<{ tensors: Record<string, HostTensor>; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(file, options);
  } catch (error) {
    if (error instanceof CheckpointError && /file not found/.test(error.message))
      throw new CheckpointError(`no checkpoint at ${sourceName(file)} (file not found)`, { cause: error });
    throw error;
  }
  return decodeSafetensors(bytes, sourceName(file));
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
  const { weights, config: configPath } = resolvePaths(path);
  const metadata: Record<string, string> = { ...options.metadata, format: FORMAT, config: JSON.stringify(config) };
  if (options.step !== undefined) metadata.step = String(options.step);
  await saveTensors(weights, state, metadata, { float16: options.float16 });
  await writeFileAtomic(configPath, `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * The directory's config.json, when there is one, must be readable JSON: the weights' header is what
 * loads, but a broken config.json means the folder was damaged or hand-edited, and is named here.
 */
async function checkConfigFile(file: string): Promise<void> {
  let text: string;
  try {
    text = new TextDecoder().decode(await platform.readLocalFile(file));
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
    throw new CheckpointError(`${file} has a corrupt config in its header`, { cause: error });
  }
  const step = metadata.step === undefined ? undefined : Number(metadata.step);
  return step === undefined ? { config, metadata } : { config, step, metadata };
}

/**
 * Reads a checkpoint (see `CheckpointSource`; `options` reports download progress and aborts it).
 * With a module, loads the weights into it (every name, shape and dtype checked, all mismatches listed
 * in one error) and returns the config; without one, also returns the tensors, which the caller owns.
 */
export async function loadCheckpoint<C = unknown>(
  source: CheckpointSource,
  into: Module,
  options?: LongWorkOptions,
): Promise<CheckpointInfo<C>>;
export async function loadCheckpoint<C = unknown>(
  source: CheckpointSource,
  into?: undefined,
  options?: LongWorkOptions,
): Promise<CheckpointInfo<C> & { tensors: Record<string, tf.Tensor> }>;
export async function loadCheckpoint<C = unknown>(
  source: CheckpointSource,
  into?: Module,
  options: LongWorkOptions = {},
): Promise<CheckpointInfo<C> & { tensors?: Record<string, tf.Tensor> }> {
  const weightsSource = weightsOf(source);
  const weights = sourceName(weightsSource);
  const { tensors: host, metadata } = await loadTensors(weightsSource, options);
  const info = parseInfo<C>(metadata, weights);
  assertFinite(host, weights);
  if (typeof source === 'string' && !source.endsWith('.safetensors'))
    await checkConfigFile(resolvePaths(source).config);
  const tensors = toTensors(host);
  if (!into) return { ...info, tensors };
  try {
    into.loadStateDict(tensors);
  } catch (error) {
    if (error instanceof CheckpointError) {
      throw new CheckpointError(`checkpoint ${weights} does not fit the model: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return info;
}

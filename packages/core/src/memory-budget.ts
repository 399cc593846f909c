import * as platform from '#platform';
import { InvalidArgumentError, MemoryLimitError } from './errors.js';
import { tf } from './tf.js';

// Memory as a checked resource: work whose size the user chooses (sample sizes, photos to denoise)
// estimates its peak before it starts and compares it with what the backend can give, so it refuses
// at once (saying the largest size that fits) or tiles, instead of dying in the wasm heap minutes in.

/**
 * The largest wasm heap tfjs-backend-wasm 4.22 can grow to: its emscripten build's `getHeapMax()`,
 * 4 GiB minus one 64 KiB page (wasm32). tfjs does not expose it; `tf.memory()` only counts tensors.
 */
export const WASM_HEAP_MAX = 4294901760;

/**
 * The wasm heap grows with the peak of live tensors times a fragmentation factor that rises with the
 * size of the tensors: measured for a 21-layer conv net (tensor peak -> heap), 130 MB -> 374 MB,
 * 520 MB -> 1.45 GB, 813 MB -> 3.8 GB, then "Aborted()". An eighth of the heap (512 MiB of live
 * tensors at once) stays clear of that.
 */
const WASM_TENSOR_SHARE = 1 / 8;

/** Where the browser or a GPU backend gives no number. */
const UNKNOWN_BACKEND_BYTES = 1024 ** 3;

export interface MemoryBudget {
  /** Bytes of tensors that one computation may hold at its peak. */
  bytes: number;
  /** The backend the budget is for. */
  backend: string;
  /** Where the number comes from, for messages: "wasm heap (4 GiB max)", "SCALESPACE_MEMORY_BUDGET". */
  source: string;
}

let override: number | undefined;

/** Parses `512M`, `3G`, `1.5GB`, `1048576` into bytes. */
export function parseBytes(text: string, what = 'memory budget'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new InvalidArgumentError(`${what} must be a size like 512M or 3G, got "${text}"`);
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[
    m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ];
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new InvalidArgumentError(`${what} must be above zero, got "${text}"`);
  return bytes;
}

/** Sets the budget for this process (undefined: back to the backend's own). For tests and tools. */
export function setMemoryBudget(bytes: number | undefined): void {
  if (bytes !== undefined && !(Number.isFinite(bytes) && bytes > 0))
    throw new InvalidArgumentError(`memory budget must be a positive number of bytes, got ${bytes}`);
  override = bytes;
}

/**
 * How many bytes of tensors one computation may hold at its peak on the current backend:
 * `setMemoryBudget`, else `SCALESPACE_MEMORY_BUDGET` (e.g. `3G`), else wasm: an eighth of the 4 GiB
 * heap, less the tensors already held; cpu / tensorflow: a quarter of the machine's memory; other
 * backends: 1 GiB.
 */
export async function memoryBudget(): Promise<MemoryBudget> {
  const backend = tf.getBackend() ?? 'none';
  if (override !== undefined) return { bytes: override, backend, source: 'setMemoryBudget' };
  const env = typeof process !== 'undefined' ? process.env?.SCALESPACE_MEMORY_BUDGET : undefined;
  if (env) return { bytes: parseBytes(env, 'SCALESPACE_MEMORY_BUDGET'), backend, source: 'SCALESPACE_MEMORY_BUDGET' };
  const held = tf.memory().numBytes;
  if (backend === 'wasm' || backend === 'native') {
    return {
      bytes: Math.max(0, WASM_HEAP_MAX * WASM_TENSOR_SHARE - held),
      backend,
      source: 'the wasm heap (4 GiB at most; an eighth of it for one computation)',
    };
  }
  if (backend === 'cpu' || backend === 'tensorflow') {
    const total = platform.systemMemory();
    if (total) return { bytes: Math.max(0, total / 4 - held), backend, source: "a quarter of the machine's memory" };
  }
  return { bytes: UNKNOWN_BACKEND_BYTES, backend, source: `a fixed 1 GiB (${backend} reports no limit)` };
}

/** `1.5 GB`, `300 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MiB`;
  return `${Math.round(bytes / 2 ** 10)} KiB`;
}

/** The largest integer in [lo, hi] for which `fits` holds (fits must be monotone: true, then false), or null. */
export function largestFitting(lo: number, hi: number, fits: (value: number) => boolean): number | null {
  if (!fits(lo)) return null;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Throws a MemoryLimitError when `bytes` is above the budget: "`what` needs about X, more than the
 * Y that <source> allows; <advice>".
 */
export function assertFitsMemory(bytes: number, budget: MemoryBudget, what: string, advice: string): void {
  if (bytes <= budget.bytes) return;
  throw new MemoryLimitError(
    `${what} needs about ${formatBytes(bytes)} of tensors at once, more than the ${formatBytes(budget.bytes)} ` +
      `that ${budget.source} allows; ${advice}`,
  );
}

/**
 * The extra tensor bytes `work` holds at its peak (above what was held before), measured with
 * tf.profile; its result is returned too. For probing a model at a small size.
 */
export async function measurePeakBytes<T extends tf.TensorContainer>(
  work: () => T | Promise<T>,
): Promise<{ peakBytes: number; result: T }> {
  const before = tf.memory().numBytes;
  let result: T | undefined;
  const info = await tf.profile(async () => {
    result = await work();
    return result;
  });
  const peak = Number.isFinite(info.peakBytes) ? info.peakBytes : before;
  return { peakBytes: Math.max(0, peak - before), result: result as T };
}

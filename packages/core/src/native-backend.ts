// The `native` rung: the wasm backend with @scalespace/native's OpenBLAS kernels for matmul and the
// convolutions. @scalespace/native is an optional peer dependency, imported through the platform seam
// (Node's side only) when the rung starts, so browsers and bundles never see it.
import * as platform from '#platform';
import { InvalidArgumentError } from './errors.js';
import { type NativeKernels, registerNativeKernels } from './native-kernels.js';
import { tf } from './tf.js';

const NATIVE_PACKAGE = '@scalespace/native';

/** How to get the native backend. */
export const NATIVE_INSTALL_HINT =
  'install @scalespace/native beside @scalespace/core; it builds an OpenBLAS addon when installed, which needs ' +
  '`apt-get install build-essential libopenblas-dev` first (then rebuild it: ' +
  '`npx -y pnpm@9.15.9 --filter @scalespace/native build:addon`, or `npm rebuild @scalespace/native`)';

type NativeStatus = { available: true; kernels: NativeKernels } | { available: false; reason: string };

let kernels: NativeKernels | null = null;
let unavailable = '';

/** Why the last start failed (empty when it did not). */
export function nativeUnavailableReason(): string {
  return unavailable;
}

/** SCALESPACE_THREADS, or the cores this process may use. */
function threadCount(): number {
  const value = process.env.SCALESPACE_THREADS;
  if (value != null && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 1024)
      throw new InvalidArgumentError(
        `SCALESPACE_THREADS is "${value}"; expected a whole number of threads from 1 to 1024`,
      );
    return n;
  }
  return platform.cpuCount();
}

async function loadAddon(): Promise<NativeKernels | null> {
  const mod = await platform.importNative<{ loadNative(): NativeStatus }>();
  if (!mod) {
    unavailable = `${NATIVE_PACKAGE} is not installed`;
    return null;
  }
  const status = mod.loadNative();
  if (!status.available) {
    unavailable = status.reason;
    return null;
  }
  return status.kernels;
}

/**
 * Registers the `native` tfjs backend: the already started wasm backend's instance (one heap, one set
 * of tensors) under a second name, with every wasm kernel plus the addon's. Resolves false, with the
 * reason kept for `nativeUnavailableReason()`, when the addon cannot load.
 */
export async function registerNativeBackend(): Promise<boolean> {
  kernels ??= await loadAddon();
  if (!kernels) return false;
  kernels.setThreads(threadCount());
  const wasm = tf.findBackend('wasm');
  if (!wasm) {
    unavailable = 'the wasm backend did not start';
    return false;
  }
  if (!tf.findBackendFactory('native')) tf.registerBackend('native', () => wasm, 1);
  registerNativeKernels(kernels);
  unavailable = '';
  return true;
}

/** Threads the native kernels use, or null before the backend started. */
export function nativeThreads(): number | null {
  return kernels ? kernels.info().threads : null;
}

/** Sets the threads of the native kernels (the caller included) and returns the count in effect. */
export function setNativeThreads(threads: number): number {
  if (!kernels) throw new InvalidArgumentError('the native backend has not started; call initBackend() first');
  if (!Number.isInteger(threads) || threads < 1)
    throw new InvalidArgumentError(`threads must be a positive integer, got ${threads}`);
  return kernels.setThreads(threads);
}

/** e.g. "native (OpenBLAS SkylakeX, 2 threads; other ops on wasm XNNPACK, SIMD)". */
export function nativeLabel(): string {
  if (!kernels) return 'native (wasm + OpenBLAS kernels from @scalespace/native)';
  const { blasCore, threads } = kernels.info();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ', SIMD' : '';
  return `native (OpenBLAS ${blasCore}, ${threads} thread${threads === 1 ? '' : 's'}; other ops on wasm XNNPACK${simd})`;
}

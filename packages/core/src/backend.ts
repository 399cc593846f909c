import * as platform from '#platform';
import { BackendUnavailableError, InvalidArgumentError } from './errors.js';
import { type AdapterInfo, requestWebgpuDevice, webglRenderer, webgpuAdapter } from './gpu-probe.js';
import {
  NATIVE_INSTALL_HINT,
  nativeLabel,
  nativeThreads,
  nativeUnavailableReason,
  registerNativeBackend,
} from './native-backend.js';
import { registerCoreGradients, tf } from './tf.js';
import { applyWasmPaths, wasmThreads } from './wasm-paths.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import { registerWebgpuKernelFixes } from './webgpu-kernel-fixes.js';

export type { AdapterInfo } from './gpu-probe.js';

/**
 * Backends scalespace can run on. `tensorflow` is libtensorflow through tfjs-node(-gpu); `native` is wasm
 * with @scalespace/native's multi-threaded OpenBLAS kernels for matmul and convolutions.
 */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'native' | 'wasm' | 'cpu';

/** What a rung's `start` is told. */
export interface RungContext {
  /** The user asked for this backend by name: start it even where it would be slow (a software GPU). */
  forced: boolean;
}

/** One rung of the backend ladder: tried in order until one starts. */
export interface BackendRung {
  /** The tfjs backend name this rung registers. */
  name: BackendName;
  /** What a user sees in logs and `scalespace info`, e.g. "tensorflow (tfjs-node-gpu, CUDA)". */
  label: string;
  /** Where this rung can run. */
  runtime: 'node' | 'browser' | 'any';
  /** Registers and activates the backend; resolves false when it is not installed or cannot start here. */
  start(context: RungContext): Promise<boolean>;
  /** What to do when the rung is forced but unavailable. */
  installHint: string;
}

export interface BackendInfo {
  name: BackendName;
  label: string;
  /** Whether wasm runs with SIMD; only meaningful for wasm. */
  simd?: boolean;
  /** wasm threads in use. */
  threads?: number;
  /** The GPU (or software rasterizer) under webgpu and webgl. */
  adapter?: AdapterInfo;
}

const isNode = platform.runtime === 'node';

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Emscripten's Node glue (inside tfjs-backend-wasm) installs process handlers that rethrow every
 * uncaught exception, which makes Node print a minified wasm loader instead of the real error.
 * Remove the handlers the wasm start added.
 */
async function withoutNewProcessHandlers<T>(work: () => Promise<T>): Promise<T> {
  if (!isNode) return work();
  const exceptions = new Set(process.listeners('uncaughtException'));
  const rejections = new Set(process.listeners('unhandledRejection'));
  try {
    return await work();
  } finally {
    for (const l of process.listeners('uncaughtException'))
      if (!exceptions.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
      if (!rejections.has(l)) process.removeListener('unhandledRejection', l);
  }
}

/**
 * tfjs-node(-gpu), whose tfjs umbrella package registers tfjs's own gradients on import, over the ones core
 * replaces: core's are registered again.
 */
async function startTensorflow(which: 'tfjs-node' | 'tfjs-node-gpu'): Promise<boolean> {
  if (!(await platform.importNodeTensorflow(which))) return false;
  registerCoreGradients();
  return activate('tensorflow');
}

/** The adapter each GPU rung started on, for `backendInfo()`. */
const adapters = new Map<BackendName, AdapterInfo>();
let webgpuRegistered = false;

/**
 * WebGPU through tfjs-backend-webgpu, on a device scalespace asks for itself: the backend's own
 * factory takes whatever adapter comes, and a software one (SwiftShader) is slower than wasm.
 */
async function startWebgpu({ forced }: RungContext): Promise<boolean> {
  if (!webgpuRegistered) {
    const found = await webgpuAdapter();
    if (!found || (found.info.fallback && !forced)) return false;
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    registerWebgpuKernelFixes();
    let device: unknown;
    try {
      device = await requestWebgpuDevice(found.adapter);
    } catch {
      return false;
    }
    platform.exposeWebgpu(found.gpu);
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    // biome-ignore lint/suspicious/noExplicitAny: the WebGPU types are not part of TypeScript's DOM library
    tf.registerBackend('webgpu', () => new WebGPUBackend(device as any, found.adapter.info as any), 3);
    webgpuRegistered = true;
    adapters.set('webgpu', found.info);
  } else if (adapters.get('webgpu')?.fallback && !forced) {
    return false;
  }
  return activate('webgpu');
}

/** WebGL only on a real GPU: on a software renderer it is about 40x slower than wasm. */
async function startWebgl({ forced }: RungContext): Promise<boolean> {
  const renderer = webglRenderer();
  if (!renderer || (renderer.fallback && !forced)) return false;
  adapters.set('webgl', renderer);
  return activate('webgl');
}

/**
 * The default ladder, best first. Extend it with `backendLadder.splice(...)` before `initBackend()`.
 * Node: tfjs-node-gpu, tfjs-node, webgpu (a hardware adapter, through the `webgpu` package), native (wasm
 * with @scalespace/native's OpenBLAS kernels), wasm, cpu.
 * Browser: webgpu (a hardware adapter), wasm, webgl (a hardware renderer), cpu.
 */
export const backendLadder: BackendRung[] = [
  {
    name: 'tensorflow',
    label: 'tensorflow (tfjs-node-gpu, CUDA)',
    runtime: 'node',
    start: () => startTensorflow('tfjs-node-gpu'),
    installHint: 'pnpm add @tensorflow/tfjs-node-gpu@4.22.0 (needs CUDA and network access to download libtensorflow)',
  },
  {
    name: 'tensorflow',
    label: 'tensorflow (tfjs-node, libtensorflow)',
    runtime: 'node',
    start: () => startTensorflow('tfjs-node'),
    installHint: 'pnpm add @tensorflow/tfjs-node@4.22.0 (its install script downloads libtensorflow)',
  },
  {
    name: 'webgpu',
    label: 'webgpu',
    runtime: 'any',
    start: startWebgpu,
    installHint:
      'in Node: pnpm add webgpu@0.6.2 and a Vulkan driver (libvulkan1; for a software adapter ' +
      'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); in a browser: one with WebGPU',
  },
  {
    name: 'native',
    get label() {
      return nativeLabel();
    },
    runtime: 'node',
    start: async () => {
      registerWasmTrainingKernels();
      applyWasmPaths();
      if (!(await withoutNewProcessHandlers(() => activate('wasm')))) return false;
      return (await registerNativeBackend()) && activate('native');
    },
    get installHint() {
      const reason = nativeUnavailableReason();
      return `${reason ? `(${reason}) ` : ''}${NATIVE_INSTALL_HINT}`;
    },
  },
  {
    name: 'wasm',
    label: 'wasm',
    runtime: 'any',
    start: async () => {
      registerWasmTrainingKernels();
      applyWasmPaths();
      return withoutNewProcessHandlers(() => activate('wasm'));
    },
    installHint:
      'the wasm backend ships with @scalespace/core; in a browser its .wasm files must be served ' +
      '(bundlers that understand new URL(..., import.meta.url) copy them; otherwise call setWasmPaths(url))',
  },
  {
    name: 'webgl',
    label: 'webgl',
    runtime: 'browser',
    start: startWebgl,
    installHint: 'use a browser with WebGL 2',
  },
  {
    name: 'cpu',
    label: 'cpu (plain JavaScript)',
    runtime: 'any',
    start: async () => {
      const ok = await activate('cpu');
      // tfjs-backend-cpu prints "install tfjs-node" on first use in Node; scalespace chose cpu knowingly.
      if (ok) (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return ok;
    },
    installHint: 'the cpu backend ships with @scalespace/core',
  },
];

const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'native', 'wasm', 'cpu'];

export interface InitBackendOptions {
  /** Log the chosen backend once (to stderr in Node). Default true. */
  log?: boolean | ((line: string) => void);
}

let current: BackendInfo | null = null;
let pending: Promise<BackendName> | null = null;
let logged = false;

function parseName(value: string, source: string): BackendName {
  const name = value.trim().toLowerCase();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`${source} is "${value}"; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  return name as BackendName;
}

function describe(rung: BackendRung): BackendInfo {
  if (rung.name === 'native') return { name: 'native', label: rung.label, threads: nativeThreads() ?? 1 };
  const adapter = adapters.get(rung.name);
  if (adapter) {
    const gpu = `${adapter.vendor} ${adapter.architecture}`.trim() || adapter.description || 'unknown adapter';
    return {
      name: rung.name,
      label: `${rung.label} (${gpu}${adapter.fallback ? ', software fallback' : ''})`,
      adapter,
    };
  }
  if (rung.name !== 'wasm') return { name: rung.name, label: rung.label };
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? wasmThreads() : 1;
  const label = `wasm (XNNPACK${simd ? ', SIMD' : ''}, ${threads === 1 ? '1 thread' : `${threads} threads`})`;
  return { name: 'wasm', label, simd, threads };
}

function emit(info: BackendInfo, log: InitBackendOptions['log']) {
  if (logged || log === false) return;
  logged = true;
  const line = `scalespace: backend ${info.label}`;
  if (typeof log === 'function') log(line);
  else if (isNode) process.stderr.write(`${line}\n`);
  else console.info(line);
}

async function climb(forced: BackendName | null): Promise<BackendName> {
  const runtime = isNode ? 'node' : 'browser';
  const rungs = backendLadder.filter((r) => r.runtime === 'any' || r.runtime === runtime);
  const candidates = forced ? rungs.filter((r) => r.name === forced) : rungs;
  for (const rung of candidates) {
    if (await rung.start({ forced: forced !== null })) {
      current = describe(rung);
      return rung.name;
    }
  }
  if (forced) {
    const hints = backendLadder.filter((r) => r.name === forced).map((r) => r.installHint);
    throw new BackendUnavailableError(
      `backend "${forced}" is not available here. ${hints.length ? `To get it: ${hints.join('; or ')}. ` : ''}` +
        'Or unset SCALESPACE_BACKEND to let scalespace pick the best available backend.',
    );
  }
  throw new BackendUnavailableError(
    'no TensorFlow.js backend could start (not even cpu); is @tensorflow/tfjs installed?',
  );
}

/**
 * Picks and activates a backend, climbing `backendLadder` (Node: tfjs-node-gpu, tfjs-node, webgpu on a
 * hardware adapter, native (OpenBLAS, when @scalespace/native is built), wasm, cpu; browser: webgpu on a hardware adapter, wasm, webgl on a hardware
 * renderer, cpu). `preferred` (or, in Node, the SCALESPACE_BACKEND environment variable)
 * forces one, and a forced backend that cannot start is an error saying how to install it.
 * Logs the choice once. Returns the backend's name.
 */
export async function initBackend(preferred?: BackendName, options: InitBackendOptions = {}): Promise<BackendName> {
  const fromEnv = isNode ? process.env.SCALESPACE_BACKEND : undefined;
  const forced = preferred
    ? parseName(preferred, 'initBackend(preferred)')
    : fromEnv
      ? parseName(fromEnv, 'SCALESPACE_BACKEND')
      : null;
  const reusable = () => current && (forced === null || forced === current.name) && tf.getBackend() === current.name;
  while (pending) await pending.catch(() => undefined);
  if (current && reusable()) {
    emit(current, options.log);
    return current.name;
  }
  pending = climb(forced);
  try {
    const name = await pending;
    if (current) emit(current, options.log);
    return name;
  } finally {
    pending = null;
  }
}

/**
 * Whether the active backend keeps tensor values in CPU memory (every backend but webgpu and webgl),
 * where a synchronous read is cheap. Synchronous functions check input values only then; on a GPU
 * backend they skip the check rather than stall (webgpu in Node cannot read synchronously at all).
 */
export function hostBackend(): boolean {
  const name = tf.getBackend();
  return name !== 'webgpu' && name !== 'webgl';
}

/** What `initBackend()` chose, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current && tf.getBackend() === current.name ? current : null;
}

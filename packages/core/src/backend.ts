import { BackendUnavailableError, InvalidArgumentError } from './errors.js';
import {
  NATIVE_INSTALL_HINT,
  nativeLabel,
  nativeThreads,
  nativeUnavailableReason,
  registerNativeBackend,
} from './native-backend.js';
import { tf } from './tf.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';

/**
 * Backends scalespace can run on. `tensorflow` is libtensorflow through tfjs-node(-gpu); `native` is wasm
 * with @scalespace/native's multi-threaded OpenBLAS kernels for matmul and convolutions.
 */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'native' | 'wasm' | 'cpu';

/** One rung of the backend ladder: tried in order until one starts. */
export interface BackendRung {
  /** The tfjs backend name this rung registers. */
  name: BackendName;
  /** What a user sees in logs and `scalespace info`, e.g. "tensorflow (tfjs-node-gpu, CUDA)". */
  label: string;
  /** Where this rung can run. */
  runtime: 'node' | 'browser' | 'any';
  /** Registers and activates the backend; resolves false when it is not installed or cannot start here. */
  start(): Promise<boolean>;
  /** What to do when the rung is forced but unavailable. */
  installHint: string;
}

export interface BackendInfo {
  name: BackendName;
  label: string;
  /** Whether wasm runs with SIMD; only meaningful for wasm. */
  simd?: boolean;
  /** wasm threads in use; 1 in Node. */
  threads?: number;
}

const isNode = typeof process !== 'undefined' && process.versions?.node != null;

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ name);
    return true;
  } catch {
    return false;
  }
}

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

/** The default ladder, best first. Extend it with `backendLadder.splice(...)` before `initBackend()`. */
export const backendLadder: BackendRung[] = [
  {
    name: 'tensorflow',
    label: 'tensorflow (tfjs-node-gpu, CUDA)',
    runtime: 'node',
    start: async () => (await tryImport('@tensorflow/tfjs-node-gpu')) && activate('tensorflow'),
    installHint: 'pnpm add @tensorflow/tfjs-node-gpu@4.22.0 (needs CUDA and network access to download libtensorflow)',
  },
  {
    name: 'tensorflow',
    label: 'tensorflow (tfjs-node, libtensorflow)',
    runtime: 'node',
    start: async () => (await tryImport('@tensorflow/tfjs-node')) && activate('tensorflow'),
    installHint: 'pnpm add @tensorflow/tfjs-node@4.22.0 (its install script downloads libtensorflow)',
  },
  {
    name: 'webgpu',
    label: 'webgpu',
    runtime: 'browser',
    start: async () => (await tryImport('@tensorflow/tfjs-backend-webgpu')) && activate('webgpu'),
    installHint: 'install @tensorflow/tfjs-backend-webgpu@4.22.0 and use a browser with WebGPU',
  },
  {
    name: 'webgl',
    label: 'webgl',
    runtime: 'browser',
    start: () => activate('webgl'),
    installHint: 'use a browser with WebGL 2',
  },
  {
    name: 'native',
    get label() {
      return nativeLabel();
    },
    runtime: 'node',
    start: async () => {
      registerWasmTrainingKernels();
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
      return withoutNewProcessHandlers(() => activate('wasm'));
    },
    installHint:
      'the wasm backend ships with @scalespace/core; in a browser call setWasmPaths() to serve its .wasm files',
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
  if (rung.name !== 'wasm') return { name: rung.name, label: rung.label };
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const label = `wasm (XNNPACK${simd ? ', SIMD' : ''}, ${threaded ? 'threaded' : '1 thread'})`;
  return threaded ? { name: 'wasm', label, simd } : { name: 'wasm', label, simd, threads: 1 };
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
    if (await rung.start()) {
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
 * Picks and activates a backend: the ladder tensorflow (tfjs-node-gpu, then tfjs-node, when installed),
 * [browser: webgpu, webgl], wasm, cpu. `preferred` (or the SCALESPACE_BACKEND environment variable)
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

/** What `initBackend()` chose, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current && tf.getBackend() === current.name ? current : null;
}

// The browser's side of the platform seam (package.json "imports" maps #platform here under the
// `browser` condition). It imports nothing from Node.
// WebGL is a browser rung only; in Node the tfjs umbrella used to register it to no use.
import '@tensorflow/tfjs-backend-webgl';
import { InvalidArgumentError } from '../errors.js';

export const runtime: 'node' | 'browser' = 'browser';

/** Pages are not told the machine's memory. */
export function systemMemory(): number | undefined {
  return undefined;
}

export async function readLocalFile(path: string | URL): Promise<Uint8Array> {
  throw new InvalidArgumentError(
    `"${String(path)}" is a file path, and reading files by path needs Node; in a browser pass a URL, a Response or an ArrayBuffer`,
  );
}

function needsNode(path: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `"${path}" is a file path, and files and folders by path need Node; in a browser pass the bytes`,
  );
}

export async function localEntry(path: string): Promise<'file' | 'folder' | null> {
  throw needsNode(path);
}

export async function listLocalFolder(path: string): Promise<string[]> {
  throw needsNode(path);
}

export function joinLocalPath(folder: string, relative: string): string {
  return `${folder}/${relative}`;
}

export async function writeFileAtomic(path: string, _data: Uint8Array | string): Promise<void> {
  throw new InvalidArgumentError(
    `cannot write "${path}": writing files needs Node; in a browser offer the bytes as a download (a Blob URL)`,
  );
}

export async function loadSharp(): Promise<never> {
  throw new InvalidArgumentError(
    'readImage and writeImage work on files and need Node; in a browser use imageFromPixels and toImageData',
  );
}

/** The native rung is Node's: its addon is never loaded in a browser. */
export async function importNative<T>(): Promise<T | null> {
  return null;
}

export function cpuCount(): number {
  return typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
}

export async function importNodeTensorflow(_which: 'tfjs-node' | 'tfjs-node-gpu'): Promise<boolean> {
  return false;
}

export async function webgpu(): Promise<GPU | null> {
  return typeof navigator !== 'undefined' && 'gpu' in navigator ? (navigator.gpu ?? null) : null;
}

/** Browsers have navigator.gpu already. */
export function exposeWebgpu(_gpu: unknown): void {}

/**
 * Where the wasm backend's binaries are: beside this module, as `new URL(..., import.meta.url)`, which
 * Vite, webpack and Parcel turn into copied assets. Null where import.meta.url is not a URL (an
 * esbuild IIFE bundle); tfjs then looks beside the page.
 */
export function wasmFileUrls(): Record<string, string> | null {
  try {
    return {
      'tfjs-backend-wasm.wasm': new URL('./tfjs-backend-wasm.wasm', import.meta.url).href,
      'tfjs-backend-wasm-simd.wasm': new URL('./tfjs-backend-wasm-simd.wasm', import.meta.url).href,
      'tfjs-backend-wasm-threaded-simd.wasm': new URL('./tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
    };
  } catch {
    return null;
  }
}

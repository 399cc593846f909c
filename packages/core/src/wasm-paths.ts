import { getThreadsCount, setWasmPaths as setTfjsWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as platform from '#platform';

let chosenByUser = false;
let applied = false;

/**
 * Where the wasm backend fetches its .wasm files in a browser: a folder URL ending in "/" or one URL per
 * file. Call it before `initBackend()`, only when your bundler does not copy them (see the README).
 */
export function setWasmPaths(...args: Parameters<typeof setTfjsWasmPaths>): void {
  chosenByUser = true;
  setTfjsWasmPaths(...args);
}

/** Points the wasm backend at the .wasm files shipped beside core's browser build, unless the user chose. */
export function applyWasmPaths(): void {
  if (chosenByUser || applied) return;
  applied = true;
  const urls = platform.wasmFileUrls();
  if (urls) setTfjsWasmPaths(urls);
}

/** Threads the wasm backend runs on (more than 1 only in a cross-origin isolated page). */
export function wasmThreads(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

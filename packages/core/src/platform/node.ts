// Node's side of the platform seam (package.json "imports" maps #platform here outside browsers):
// files by path, the optional Node backends, and WebGPU through Dawn (the `webgpu` npm package).
import { existsSync, readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError, InvalidArgumentError } from '../errors.js';

export const runtime: 'node' | 'browser' = 'node';

/** The machine's memory in bytes. */
export function systemMemory(): number | undefined {
  return totalmem();
}

/** Reads a file by path (or file: URL). */
export async function readLocalFile(path: string | URL): Promise<Uint8Array> {
  const file = typeof path === 'string' ? path : fileURLToPath(path);
  try {
    return await fs.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      code === 'ENOENT' ? `no file at "${file}" (file not found)` : `cannot read "${file}": ${String(error)}`,
      { cause: error },
    );
  }
}

/** What is at a path: a file, a folder, or nothing. */
export async function localEntry(path: string): Promise<'file' | 'folder' | null> {
  const stat = await fs.stat(path).catch(() => undefined);
  return stat === undefined ? null : stat.isDirectory() ? 'folder' : 'file';
}

/** The names in a folder, sorted. */
export async function listLocalFolder(path: string): Promise<string[]> {
  return (await fs.readdir(path)).sort();
}

/** A path inside a folder. */
export function joinLocalPath(folder: string, relative: string): string {
  return join(folder, relative);
}

// Optional peer dependencies are imported by a name in a variable, so that bundling an app for Node
// does not fail where they are not installed.
async function importOptional<T>(name: string): Promise<T | null> {
  try {
    return (await import(/* @vite-ignore */ name)) as T;
  } catch {
    return null;
  }
}

/** Imports tfjs-node or tfjs-node-gpu (optional peer dependencies); false when not installed. */
export async function importNodeTensorflow(which: 'tfjs-node' | 'tfjs-node-gpu'): Promise<boolean> {
  return (await importOptional(`@tensorflow/${which}`)) !== null;
}

let dawn: Promise<GPU | null> | null = null;

/**
 * The WebGPU entry point: Dawn from the optional `webgpu` package, with the WebGPU constants
 * (GPUBufferUsage, ...) that tfjs-backend-webgpu reads as globals. Null when `webgpu` is not installed.
 */
export function webgpu(): Promise<GPU | null> {
  dawn ??= (async () => {
    if (!vulkanDriverListed()) return null;
    const dawnModule = await importOptional<typeof import('webgpu')>('webgpu');
    if (!dawnModule) return null;
    for (const [name, value] of Object.entries(dawnModule.globals))
      if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
    try {
      return dawnModule.create([]);
    } catch {
      return null;
    }
  })();
  return dawn;
}

/**
 * tfjs-backend-webgpu checks `navigator.gpu` when it starts: give Node's navigator (absent before Node 21)
 * the Dawn entry point. Only called once the webgpu backend is chosen.
 */
export function exposeWebgpu(gpu: unknown): void {
  const holder = globalThis as { navigator?: { gpu?: unknown } };
  if (holder.navigator === undefined)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (holder.navigator.gpu === undefined)
    Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
}

/**
 * On Linux Dawn runs on Vulkan, and without a Vulkan driver it only prints warnings: look for one
 * first (an ICD manifest, or VK_ICD_FILENAMES / VK_DRIVER_FILES naming one).
 */
function vulkanDriverListed(): boolean {
  if (process.platform !== 'linux') return true;
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  const dirs = ['/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
  return dirs.some((dir) => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json')));
}

/** The wasm backend finds its .wasm files beside its own module in Node. */
export function wasmFileUrls(): Record<string, string> | null {
  return null;
}

/** See atomic-write.ts. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable. Not every platform lets a directory be opened for fsync.
  try {
    const dirHandle = await fs.open(dir, 'r');
    await dirHandle.sync().finally(() => dirHandle.close());
  } catch {
    // best effort
  }
}

/** sharp, for image files (a dependency of core; its native part may be missing on odd platforms). */
export async function loadSharp(): Promise<typeof import('sharp')> {
  try {
    return (await import('sharp')).default;
  } catch (error) {
    throw new InvalidArgumentError('image I/O in Node needs the "sharp" package: pnpm add sharp', { cause: error });
  }
}

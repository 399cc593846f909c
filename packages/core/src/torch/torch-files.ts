import { CheckpointError } from '../errors.js';
import { type ReadTorchCheckpointOptions, readTorchCheckpoint, type TorchCheckpoint } from './read-torch-checkpoint.js';

/**
 * The files an official-checkpoint converter reads: the one path a user gave (a file or a folder of
 * per-scale or per-part files), with every other path relative to it. `torchFilesAt` gives the Node
 * implementation; a browser can implement it over dropped files.
 */
export interface TorchFiles {
  /** The path as given, for messages. */
  readonly path: string;
  /** Whether `relative` (default: the path itself) is a folder. */
  isFolder(relative?: string): Promise<boolean>;
  /** Whether `relative` exists. */
  exists(relative: string): Promise<boolean>;
  /** The names in a folder (default: the path itself), sorted. */
  list(relative?: string): Promise<string[]>;
  /** Reads the PyTorch file at `relative` (default: the path itself). */
  readTorch(relative?: string, options?: ReadTorchCheckpointOptions): Promise<TorchCheckpoint>;
  /** Reads a UTF-8 text file (hyper-parameters as JSON, say). */
  readText(relative: string): Promise<string>;
}

/** The files at a path on disk (Node only). */
export function torchFilesAt(path: string): TorchFiles {
  const resolve = async (relative = '') => (relative ? (await import('node:path')).join(path, relative) : path);
  const stat = async (relative = '') => {
    const fs = await import('node:fs/promises');
    return fs.stat(await resolve(relative)).catch(() => undefined);
  };
  return {
    path,
    isFolder: async (relative) => (await stat(relative))?.isDirectory() === true,
    exists: async (relative) => (await stat(relative)) !== undefined,
    async list(relative) {
      const fs = await import('node:fs/promises');
      const folder = await resolve(relative);
      try {
        return (await fs.readdir(folder)).sort();
      } catch (error) {
        throw new CheckpointError(`cannot list "${folder}": ${(error as Error).message}`, { cause: error });
      }
    },
    readTorch: async (relative, options) => readTorchCheckpoint(await resolve(relative), options),
    async readText(relative) {
      const fs = await import('node:fs/promises');
      const file = await resolve(relative);
      try {
        return await fs.readFile(file, 'utf8');
      } catch (error) {
        throw new CheckpointError(`cannot read "${file}": ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

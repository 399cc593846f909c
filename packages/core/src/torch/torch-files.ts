import * as platform from '#platform';
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
  const resolve = (relative = '') => (relative ? platform.joinLocalPath(path, relative) : path);
  return {
    path,
    isFolder: async (relative) => (await platform.localEntry(resolve(relative))) === 'folder',
    exists: async (relative) => (await platform.localEntry(resolve(relative))) !== null,
    async list(relative) {
      const folder = resolve(relative);
      try {
        return await platform.listLocalFolder(folder);
      } catch (error) {
        throw new CheckpointError(`cannot list "${folder}": ${(error as Error).message}`, { cause: error });
      }
    },
    readTorch: async (relative, options) => readTorchCheckpoint(resolve(relative), options),
    async readText(relative) {
      const file = resolve(relative);
      try {
        return new TextDecoder().decode(await platform.readLocalFile(file));
      } catch (error) {
        throw new CheckpointError(`cannot read "${file}": ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

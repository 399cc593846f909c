import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import {
  InvalidArgumentError,
  InvalidImageError,
  type LongWorkOptions,
  ProgressTracker,
  throwIfAborted,
} from '@scalespace/core';
import { type CacheOption, cachedDataset } from './cache.js';
import { ImageDataset } from './dataset.js';
import { type ImageFileOptions, readImageBytes } from './image-file.js';
import type { RawImage } from './size-policy.js';
import { validateSizeOptions } from './size-policy.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif']);

export interface FolderOptions extends ImageFileOptions, LongWorkOptions {
  /**
   * Packed cache of the decoded folder (rebuilt when a file or an option changes): true (default) for
   * the default directory, a directory, or false. See `cacheDir`.
   */
  cache?: CacheOption;
}

/** Image files below a folder, recursively, sorted by path (hidden entries skipped). */
export async function listImages(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new InvalidArgumentError(`cannot read folder "${dir}": ${(error as Error).message}`, { cause: error });
  }
  const out: string[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    const s = await stat(path);
    if (s.isDirectory()) out.push(...(await listImages(path)));
    else if (IMAGE_EXTENSIONS.has(extname(entry).toLowerCase())) out.push(path);
  }
  return out;
}

/**
 * Decodes image files (two at a time) with their index in the list, which seeds 'random-crop'.
 * Reports `{ step: files done, total }` to `onProgress` and stops with AbortError when `signal` fires.
 */
export async function readImageFiles(
  files: string[],
  options: ImageFileOptions & LongWorkOptions = {},
): Promise<RawImage[]> {
  const { onProgress, signal, ...fileOptions } = options;
  validateSizeOptions(fileOptions);
  const progress = new ProgressTracker(files.length, { onProgress });
  const out: RawImage[] = new Array(files.length);
  for (let i = 0; i < files.length; i += 2) {
    throwIfAborted(signal, 'decoding images');
    const pair = await Promise.all(files.slice(i, i + 2).map((f, k) => readImageBytes(f, fileOptions, i + k)));
    pair.forEach((image, k) => {
      out[i + k] = image;
    });
    progress.report(Math.min(i + 2, files.length), { phase: 'decode' });
  }
  return out;
}

/**
 * Loads every image below a folder (recursively) into an 8-bit dataset [N, H, W, C]: decoded by sharp,
 * brought to one size by a policy (`size`, `policy`, `crop`, `method`), and kept in a packed cache so the
 * next load is one file read.
 */
export async function loadImageFolder(dir: string, options: FolderOptions = {}): Promise<ImageDataset> {
  const { cache = true, onProgress, signal, ...fileOptions } = options;
  validateSizeOptions(fileOptions);
  const root = resolve(dir);
  const files = await listImages(root);
  if (files.length === 0)
    throw new InvalidArgumentError(`no images (${[...IMAGE_EXTENSIONS].join(', ')}) found below "${dir}"`);
  const channels = fileOptions.channels ?? 3;
  const pixelOptions = { ...fileOptions, channels };
  const build = async () => {
    const images = await readImageFiles(files, { ...pixelOptions, onProgress, signal });
    const [first] = images;
    images.forEach((im, i) => {
      if (im.height !== first.height || im.width !== first.width) {
        throw new InvalidImageError(
          `"${files[i]}" is ${im.height}x${im.width} after sizing, "${files[0]}" is ${first.height}x${first.width}; ` +
            "pass { size } with a policy such as 'center-crop' to bring them to one size",
        );
      }
    });
    const per = first.height * first.width * channels;
    const data = new Uint8Array(images.length * per);
    images.forEach((im, i) => {
      data.set(im.data, i * per);
    });
    return new ImageDataset(data, [first.height, first.width, channels], {
      name: `folder:${dir}`,
      path: root,
      description: `${files.length} images below ${root}`,
    });
  };
  return cachedDataset(
    {
      name: `folder-${root.split(/[\\/]/).filter(Boolean).pop() ?? 'root'}`,
      source: root,
      options: pixelOptions,
      files,
      cache,
    },
    build,
  );
}

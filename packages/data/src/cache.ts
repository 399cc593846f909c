import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, writeFileAtomic } from '@scalespace/core';
import { ImageDataset } from './dataset.js';
import { decodePacked, encodePacked } from './packed.js';

/**
 * Where packed caches go: `false` turns caching off, a string is a directory, `true` (the default
 * where a loader caches) is `$SCALESPACE_CACHE_DIR`, else `$XDG_CACHE_HOME/scalespace/data`, else
 * `~/.cache/scalespace/data`.
 */
export type CacheOption = boolean | string;

/** Bumped when the way a loader turns files into pixels changes, so old caches are rebuilt. */
const CACHE_VERSION = 1;

/** The directory a cache option names, or null when caching is off. */
export function cacheDir(option: CacheOption = true): string | null {
  if (option === false) return null;
  if (typeof option === 'string') {
    if (option === '') throw new InvalidArgumentError('cache: give a directory, true (the default one) or false');
    return option;
  }
  if (option !== true) throw new InvalidArgumentError(`cache must be true, false or a directory, got ${option}`);
  if (process.env.SCALESPACE_CACHE_DIR) return process.env.SCALESPACE_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'scalespace', 'data');
}

export interface CacheSpec {
  /** A short readable name for the cache file (e.g. "folder-photos"). */
  name: string;
  /** What identifies the source: a path, a dataset name. */
  source: string;
  /** Every option that changes the pixels (size, policy, channels, ...). */
  options: Record<string, unknown>;
  /** Files the dataset is built from: their sizes and modification times invalidate the cache. */
  files: string[];
  cache?: CacheOption;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The cache file for a spec (one per source and options) and the key of the files' current state. */
export async function cacheEntry(spec: CacheSpec): Promise<{ path: string; key: string } | null> {
  const dir = cacheDir(spec.cache ?? true);
  if (dir === null) return null;
  const identity = JSON.stringify({ v: CACHE_VERSION, source: spec.source, options: sortKeys(spec.options) });
  const stats = await Promise.all(
    spec.files.map(async (f) => {
      const s = await stat(f);
      return [f, s.size, s.mtimeMs];
    }),
  );
  const slug = spec.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
  return {
    path: join(dir, `${slug}-${sha256(identity).slice(0, 16)}.sspack`),
    key: sha256(JSON.stringify({ identity, stats })),
  };
}

function sortKeys(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

/**
 * Returns the dataset from its packed cache when the cache was built from the same source, options
 * and file states; otherwise builds it, writes the cache (atomically) and returns it. A cache that
 * cannot be read (truncated, corrupt) is rebuilt; one that cannot be written is skipped.
 * `dataset.source.cache` says which happened.
 */
export async function cachedDataset(spec: CacheSpec, build: () => Promise<ImageDataset>): Promise<ImageDataset> {
  const entry = await cacheEntry(spec);
  if (!entry) return build();
  let stale = 'absent';
  try {
    const bytes = await readFile(entry.path);
    const { dataset, key } = decodePacked(bytes, `cache "${entry.path}"`);
    if (key === entry.key) return withCache(dataset, { path: entry.path, hit: true });
    stale = 'source or options changed';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') stale = (error as Error).message;
  }
  const dataset = await build();
  try {
    await writeFileAtomic(entry.path, encodePacked(dataset, entry.key));
    return withCache(dataset, { path: entry.path, hit: false, rebuilt: stale });
  } catch (error) {
    return withCache(dataset, { path: entry.path, hit: false, rebuilt: stale, error: (error as Error).message });
  }
}

function withCache(dataset: ImageDataset, cache: NonNullable<ImageDataset['source']['cache']>): ImageDataset {
  return new ImageDataset(dataset.data, dataset.shape, { ...dataset.source, cache }, dataset.labels);
}

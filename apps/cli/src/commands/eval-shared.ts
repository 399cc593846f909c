// What the `eval` commands share: folder listing, argument checks, JSON without Infinity, and the caveats of
// trunk-based numbers.
import { existsSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { listImages } from '@scalespace/data';
import { UsageError } from '../command.js';

/** The caveat printed with every trunk-based number. */
export const TRUNK_NOTE =
  "the feature trunk is nsfwjs's InceptionV3 / MobileNetV2 classifier, not the official FID Inception weights: " +
  'compare these values within scalespace only, never with published numbers';
export const PERCEPTUAL_NOTE =
  "the perceptual distance is LPIPS's recipe on nsfwjs's InceptionV3 / MobileNetV2 trunk with equal layer weights, " +
  'not LPIPS: compare these values within scalespace only';

/** JSON.stringify writes Infinity and NaN as null; keep them readable instead. */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
  ) as T;
}

export function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Image files under a folder (recursive), as paths relative to it with '/' separators, sorted. */
export async function imageFiles(folder: string): Promise<string[]> {
  return (await listImages(folder)).map((p) => relative(folder, p).split(sep).join('/')).sort();
}

/** A file or folder argument that must exist. */
export function existing(path: string, what: string): string {
  const p = resolve(path);
  if (!existsSync(p)) throw new UsageError(`${what} "${path}" does not exist`);
  return p;
}

export const describeSize = (i: { width: number; height: number; colour: number }) =>
  `${i.width}x${i.height} ${i.colour === 1 ? 'grey' : 'RGB'}`;

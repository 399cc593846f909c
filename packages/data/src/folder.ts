import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidArgumentError, InvalidImageError } from '@scalespace/core';
import { ImageDataset } from './dataset.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif']);

/** How images of a folder are brought to one size. */
export type SizePolicy =
  /** Centre square crop, then resize to size x size (the CelebA-HQ / LSUN convention). */
  | 'center-crop'
  /** Resize the whole image to size x size, ignoring aspect ratio. */
  | 'stretch'
  /** Resize so the shorter side is `size`, then centre crop the longer side (ImageNet-style). */
  | 'shorter-side';

export interface FolderOptions {
  /** Output side in pixels; omit to keep each image's own size (then all must match). */
  size?: number;
  policy?: SizePolicy;
  channels?: 1 | 3;
}

/** Image files below a folder, recursively, sorted by path. */
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

/** Loads every image below a folder into an 8-bit dataset, decoded with sharp. */
export async function loadImageFolder(dir: string, options: FolderOptions = {}): Promise<ImageDataset> {
  const { size, policy = 'center-crop', channels = 3 } = options;
  const files = await listImages(dir);
  if (files.length === 0)
    throw new InvalidArgumentError(`no images (${[...IMAGE_EXTENSIONS].join(', ')}) found below "${dir}"`);
  const sharp = (await import('sharp')).default;
  const decoded: Buffer[] = [];
  let shape: [number, number, number] | null = null;
  for (const file of files) {
    let p = sharp(file, { failOn: 'error' });
    if (size) {
      const fit = policy === 'stretch' ? 'fill' : 'cover';
      p = p.resize({ width: size, height: size, fit, position: 'centre', kernel: 'lanczos3' });
    }
    p = channels === 1 ? p.toColourspace('b-w').removeAlpha() : p.toColourspace('srgb').removeAlpha();
    let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
    try {
      raw = await p.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new InvalidImageError(`cannot decode "${file}": ${(error as Error).message}`, { cause: error });
    }
    const s: [number, number, number] = [raw.info.height, raw.info.width, raw.info.channels];
    if (shape && (s[0] !== shape[0] || s[1] !== shape[1] || s[2] !== shape[2])) {
      throw new InvalidImageError(
        `"${file}" is ${s[0]}x${s[1]}, others are ${shape[0]}x${shape[1]}; pass { size } to bring them to one size`,
      );
    }
    shape = s;
    decoded.push(raw.data);
  }
  const data = new Uint8Array(decoded.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of decoded) {
    data.set(b, at);
    at += b.length;
  }
  return new ImageDataset(data, shape as [number, number, number], {
    name: `folder:${dir}`,
    path: dir,
    description: `${files.length} images`,
  });
}

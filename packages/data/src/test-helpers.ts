// Shared by the tests of this package (not exported from the package).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@scalespace/core';
import { afterAll, beforeAll } from 'vitest';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const byteSum = (bytes: Uint8Array) => bytes.reduce((s, v) => s + v, 0);

/** Values computed with NumPy by scripts/reference-values.py. */
export const REFERENCE = JSON.parse(
  readFileSync(fileURLToPath(new URL('./test-data/reference-values.json', import.meta.url)), 'utf8'),
);
export const testDataPath = (name: string) => fileURLToPath(new URL(`./test-data/${name}`, import.meta.url));

/** Runs fn and checks that it leaves no tensors behind. */
export async function noLeaks<T>(fn: () => Promise<T> | T): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
  return out;
}

/** Writes a PNG of the given HWC bytes (sharp). */
export async function writePng(path: string, data: Uint8Array, height: number, width: number, channels: 1 | 3) {
  const sharp = (await import('sharp')).default;
  await sharp(Buffer.from(data), { raw: { width, height, channels } }).png().toFile(path);
}

/** HWC bytes of a smooth, seeded test pattern. */
export function pattern(height: number, width: number, channels: number, seed = 0): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        out[(y * width + x) * channels + c] = (y * 7 + x * 3 + c * 50 + seed * 11 + ((x * y) % 13)) % 256;
  return out;
}

/** A fresh temporary folder for a describe block (made before its tests, removed after): read `.path`. */
export function tempDir(prefix: string): { path: string } {
  const dir = { path: '' };
  beforeAll(async () => {
    dir.path = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}

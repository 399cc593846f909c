import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@scalespace/core';
import { ImageDataset } from './dataset.js';

// The CIFAR-10 binary format (Krizhevsky 2009, "binary version"): records of 1 label byte (0..9) and
// 3072 pixel bytes, the 1024 red values of the 32x32 image in row-major order, then the green, then the
// blue. data_batch_1..5.bin hold 10 000 records each (train), test_batch.bin 10 000 (test).

const SIDE = 32;
const RECORD = 1 + 3 * SIDE * SIDE;

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const HOW_TO_GET =
  'CIFAR-10 is not shipped with scalespace: download the binary version (cifar-10-binary.tar.gz) from ' +
  'https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass the cifar-10-batches-bin folder (cifar10:PATH)';

/** Parses CIFAR-10 binary records into HWC bytes and labels. Wrong lengths or labels are errors. */
export function parseCifar10(bytes: Uint8Array, source = 'CIFAR-10 data'): { data: Uint8Array; labels: Int32Array } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new InvalidArgumentError(
      `${source}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records; the file is truncated or not CIFAR-10 binary (the python and matlab versions are not supported)`,
    );
  }
  const n = bytes.length / RECORD;
  const plane = SIDE * SIDE;
  const data = new Uint8Array(n * 3 * plane);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const at = r * RECORD;
    const label = bytes[at];
    if (label > 9) {
      throw new InvalidArgumentError(
        `${source}: record ${r} has label ${label}, CIFAR-10 labels are 0..9; the file is corrupt or is CIFAR-100 (2 label bytes)`,
      );
    }
    labels[r] = label;
    const out = r * 3 * plane;
    for (let p = 0; p < plane; p++) {
      data[out + 3 * p] = bytes[at + 1 + p];
      data[out + 3 * p + 1] = bytes[at + 1 + plane + p];
      data[out + 3 * p + 2] = bytes[at + 1 + 2 * plane + p];
    }
  }
  return { data, labels };
}

/** The files of a split, found in `dir` or its cifar-10-batches-bin subfolder. */
export function cifar10Files(dir: string, split: 'train' | 'test'): string[] {
  const names = split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  for (const base of [dir, join(dir, 'cifar-10-batches-bin')]) {
    if (existsSync(join(base, names[0]))) {
      const files = names.map((f) => join(base, f));
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length > 0)
        throw new InvalidArgumentError(`CIFAR-10 at ${base} is incomplete: missing ${missing.join(', ')}`);
      return files;
    }
  }
  throw new InvalidArgumentError(`no CIFAR-10 ${split} files (${names[0]}) in "${dir}". ${HOW_TO_GET}`);
}

/** CIFAR-10 (50 000 train / 10 000 test, 32x32 RGB, labels 0..9) from the binary files the user brings. */
export async function loadCifar10(options: { dir?: string; split?: 'train' | 'test' } = {}): Promise<ImageDataset> {
  const { dir, split = 'train' } = options;
  if (!dir) throw new InvalidArgumentError(HOW_TO_GET);
  if (split !== 'train' && split !== 'test')
    throw new InvalidArgumentError(`split must be train or test, got ${split}`);
  const files = cifar10Files(dir, split);
  const parts = await Promise.all(files.map(async (f) => parseCifar10(await readFile(f), `"${f}"`)));
  const data = new Uint8Array(parts.reduce((s, p) => s + p.data.length, 0));
  const labels = new Int32Array(parts.reduce((s, p) => s + p.labels.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at * 3 * SIDE * SIDE);
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return new ImageDataset(
    data,
    [SIDE, SIDE, 3],
    {
      name: `cifar10:${split}`,
      path: files[0],
      description: 'CIFAR-10 (Krizhevsky 2009), binary version, brought by the user',
    },
    labels,
  );
}

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, writeFileAtomic } from '@scalespace/core';
import { type DatasetSource, ImageDataset } from './dataset.js';

// The packed dataset file: one binary file a dataset loads from by a single read.
//
//   bytes 0..7    magic "SSPACK" 0x00 0x01
//   bytes 8..11   header length L (uint32, little-endian)
//   bytes 12..    L bytes of UTF-8 JSON (space-padded so the pixels start at a multiple of 8)
//   pixels        N*H*W*C bytes, uint8, [N, H, W, C] in C order
//   labels        (optional) N int32 little-endian, at the offset the header names (a multiple of 4)

const MAGIC = [0x53, 0x53, 0x50, 0x41, 0x43, 0x4b, 0x00, 0x01];
const PREAMBLE = 12;

/** The JSON header of a packed file. */
export interface PackedHeader {
  format: 'scalespace-pack';
  version: 1;
  /** [N, H, W, C]. */
  shape: [number, number, number, number];
  pixels: { offset: number; length: number };
  labels: { offset: number; count: number } | null;
  source: DatasetSource;
  /** What the file was built from (the cache's validity key); free-form for files written by hand. */
  key: string;
}

/** Encodes a dataset as a packed file's bytes. */
export function encodePacked(dataset: ImageDataset, key = ''): Uint8Array {
  const [h, w, c] = dataset.shape;
  const n = dataset.size;
  const { cache: _cache, ...source } = dataset.source;
  const layout = (headerLength: number) => {
    const pixelsAt = PREAMBLE + headerLength;
    const labelsAt = Math.ceil((pixelsAt + dataset.data.length) / 4) * 4;
    return { pixelsAt, labelsAt };
  };
  // The header names offsets that depend on its own length: grow the padding until it fits.
  let padded = 0;
  let text = '';
  for (;;) {
    const { pixelsAt, labelsAt } = layout(padded);
    const header: PackedHeader = {
      format: 'scalespace-pack',
      version: 1,
      shape: [n, h, w, c],
      pixels: { offset: pixelsAt, length: dataset.data.length },
      labels: dataset.labels ? { offset: labelsAt, count: n } : null,
      source,
      key,
    };
    text = JSON.stringify(header);
    const bytes = new TextEncoder().encode(text).length;
    const needed = Math.ceil((PREAMBLE + bytes) / 8) * 8 - PREAMBLE;
    if (needed === padded) break;
    padded = needed;
  }
  const json = new TextEncoder().encode(text);
  const { pixelsAt, labelsAt } = layout(padded);
  const total = dataset.labels ? labelsAt + 4 * n : pixelsAt + dataset.data.length;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, padded, true);
  out.set(json, PREAMBLE);
  out.fill(0x20, PREAMBLE + json.length, pixelsAt);
  out.set(dataset.data, pixelsAt);
  if (dataset.labels) {
    const view = new DataView(out.buffer, labelsAt, 4 * n);
    for (let i = 0; i < n; i++) view.setInt32(4 * i, dataset.labels[i], true);
  }
  return out;
}

/** Reads the header of packed bytes, checking that the file is whole. */
export function packedHeader(bytes: Uint8Array, what = 'packed dataset'): PackedHeader {
  if (bytes.length < PREAMBLE || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new InvalidArgumentError(`${what} is not a scalespace packed dataset (bad magic); delete it to rebuild`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (PREAMBLE + length > bytes.length)
    throw new InvalidArgumentError(`${what}: truncated header; delete the file to rebuild it`);
  let header: PackedHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE, PREAMBLE + length)));
  } catch (error) {
    throw new InvalidArgumentError(
      `${what}: corrupt header (${(error as Error).message}); delete the file to rebuild`,
      {
        cause: error,
      },
    );
  }
  const [n, h, w, c] = header.shape ?? [];
  if (
    header.format !== 'scalespace-pack' ||
    header.version !== 1 ||
    ![n, h, w, c].every((d) => Number.isInteger(d) && d >= 0) ||
    header.pixels?.length !== n * h * w * c
  ) {
    throw new InvalidArgumentError(`${what}: unsupported or inconsistent header; delete the file to rebuild`);
  }
  const end = header.labels ? header.labels.offset + 4 * header.labels.count : header.pixels.offset + n * h * w * c;
  if (header.labels && header.labels.count !== n)
    throw new InvalidArgumentError(`${what}: ${header.labels.count} labels for ${n} images`);
  if (bytes.length !== end) {
    throw new InvalidArgumentError(
      `${what}: expected ${end} bytes from its header, found ${bytes.length}; the file is truncated or corrupt, delete it to rebuild`,
    );
  }
  return header;
}

/** Decodes packed bytes into a dataset; the pixels are a view of `bytes`, not a copy. */
export function decodePacked(bytes: Uint8Array, what = 'packed dataset'): { dataset: ImageDataset; key: string } {
  const header = packedHeader(bytes, what);
  const [, h, w, c] = header.shape;
  const data = bytes.subarray(header.pixels.offset, header.pixels.offset + header.pixels.length);
  let labels: Int32Array | null = null;
  if (header.labels) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + header.labels.offset, 4 * header.labels.count);
    labels = new Int32Array(header.labels.count);
    for (let i = 0; i < labels.length; i++) labels[i] = view.getInt32(4 * i, true);
  }
  return { dataset: new ImageDataset(data, [h, w, c], header.source, labels), key: header.key };
}

/** Writes a dataset as one packed file (atomically). */
export async function writePackedDataset(path: string, dataset: ImageDataset, options: { key?: string } = {}) {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('writePackedDataset: give a file path');
  await writeFileAtomic(path, encodePacked(dataset, options.key ?? ''));
}

/** Reads a packed dataset file (one read; the pixels are not copied again). */
export async function readPackedDataset(path: string): Promise<ImageDataset> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InvalidArgumentError(`cannot read packed dataset "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  return decodePacked(bytes, `"${path}"`).dataset;
}

import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@scalespace/core';

// The IDX format of MNIST and Fashion-MNIST (LeCun): magic 0x00 0x00 <type> <dims>, then one big-endian
// uint32 per dimension, then the values. Only unsigned bytes (type 0x08) occur in those files.

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses IDX bytes (raw or gzip-compressed). Truncated or malformed data is an error, never garbage. */
export function parseIdx(input: Uint8Array, source = 'IDX data'): IdxArray {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new InvalidArgumentError(`${source}: corrupt or truncated gzip data (${(error as Error).message})`, {
        cause: error,
      });
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InvalidArgumentError(`${source} is not an IDX file (bad magic number)`);
  }
  if (bytes[2] !== 0x08)
    throw new InvalidArgumentError(
      `${source}: IDX value type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes)`,
    );
  const rank = bytes[3];
  if (rank < 1 || bytes.length < 4 + 4 * rank) throw new InvalidArgumentError(`${source}: truncated IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length - start !== count) {
    throw new InvalidArgumentError(
      `${source}: header promises ${count} values (${dims.join(' x ')}) but the file holds ${bytes.length - start}; the file is truncated or corrupt`,
    );
  }
  return { dims, data: bytes.subarray(start) };
}

/** Reads an IDX file. */
export async function readIdx(path: string): Promise<IdxArray> {
  const { readFile } = await import('node:fs/promises');
  return parseIdx(await readFile(path), `"${path}"`);
}

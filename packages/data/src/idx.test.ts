import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx } from './idx.js';

const raw = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);

describe('parseIdx', () => {
  it('reads dims and values; gzip and raw give the same array', () => {
    const a = parseIdx(raw);
    const b = parseIdx(gzipSync(raw));
    expect(a.dims).toEqual([2, 3]);
    expect(b.dims).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('rejects truncated, padded and corrupt files with a clear message', () => {
    expect(() => parseIdx(raw.subarray(0, 15))).toThrow(
      /promises 6 values .* holds 3; the file is truncated or corrupt/,
    );
    expect(() => parseIdx(new Uint8Array([...raw, 7]))).toThrow(/truncated or corrupt/);
    expect(() => parseIdx(raw.subarray(0, 9))).toThrow(/truncated IDX header/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not an IDX file/);
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(
      /type 0xd is not supported/,
    );
    const gz = gzipSync(raw);
    expect(() => parseIdx(gz.subarray(0, 20))).toThrow(/corrupt or truncated gzip/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseNpy } from './npy.js';

function npy(descr: string, shape: string, payload: Uint8Array, major = 1): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pre = major === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  const padded = `${header}${' '.repeat(total - pre - header.length - 1)}\n`;
  const bytes = new Uint8Array(pre + padded.length + payload.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0], 0);
  const view = new DataView(bytes.buffer);
  if (major === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  bytes.set(new TextEncoder().encode(padded), pre);
  bytes.set(payload, pre + padded.length);
  return bytes;
}

describe('parseNpy', () => {
  it('reads float32, float64 and uint8 arrays (v1 and v2 headers)', () => {
    const f4 = new Uint8Array(new Float32Array([0.5, 1, -2, 3]).buffer);
    const a = parseNpy(npy('<f4', '(2, 2)', f4));
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.values)).toEqual([0.5, 1, -2, 3]);
    const f8 = new Uint8Array(new Float64Array([0.1, 0.25, 1e-300]).buffer);
    const b = parseNpy(npy('<f8', '(3,)', f8, 2));
    expect(b.shape).toEqual([3]);
    expect(Array.from(b.values)).toEqual([0.1, 0.25, 1e-300]);
    expect(Array.from(parseNpy(npy('|u1', '(3,)', new Uint8Array([7, 8, 9]))).values)).toEqual([7, 8, 9]);
  });

  it('rejects truncated files, unsupported dtypes and Fortran order clearly', () => {
    const f4 = new Uint8Array(new Float32Array([0.5, 1, -2, 3]).buffer);
    const good = npy('<f4', '(2, 2)', f4);
    expect(() => parseNpy(good.subarray(0, good.length - 4))).toThrow(
      /truncated, 4 values of <f4 need 16 bytes, found 12/,
    );
    expect(() => parseNpy(good.subarray(0, 40))).toThrow(/truncated .npy header/);
    expect(() => parseNpy(npy('<c16', '(1,)', new Uint8Array(16)))).toThrow(/dtype <c16 is not supported/);
    const fortran = npy('<f4', '(2, 2)', f4);
    fortran.set(new TextEncoder().encode("{'descr': '<f4', 'fortran_order': True, "), 10);
    expect(() => parseNpy(fortran)).toThrow(/Fortran-ordered/);
    expect(() => parseNpy(new Uint8Array(20))).toThrow(/not a .npy file/);
  });
});

import { InvalidArgumentError } from '@scalespace/core';

// NumPy's .npy format: "\x93NUMPY", version, a little-endian header length (2 bytes in v1, 4 in v2/3),
// a Python dict literal {'descr', 'fortran_order', 'shape'}, then the values in C order.

export interface NpyArray {
  shape: number[];
  dtype: string;
  values: Float64Array | Float32Array | Uint8Array | Int32Array;
}

const READERS: Record<
  string,
  { bytes: number; read(view: DataView, at: number): number; make(n: number): NpyArray['values'] }
> = {
  '<f8': { bytes: 8, read: (v, a) => v.getFloat64(a, true), make: (n) => new Float64Array(n) },
  '<f4': { bytes: 4, read: (v, a) => v.getFloat32(a, true), make: (n) => new Float32Array(n) },
  '|u1': { bytes: 1, read: (v, a) => v.getUint8(a), make: (n) => new Uint8Array(n) },
  '<i4': { bytes: 4, read: (v, a) => v.getInt32(a, true), make: (n) => new Int32Array(n) },
};

/** Parses .npy bytes (little-endian float64, float32, int32 or uint8, C order). */
export function parseNpy(bytes: Uint8Array, source = 'npy data'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m))
    throw new InvalidArgumentError(`${source} is not a .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (major < 1 || major > 3) throw new InvalidArgumentError(`${source}: .npy version ${major} is not supported`);
  const start = (major === 1 ? 10 : 12) + headerLength;
  if (start > bytes.length) throw new InvalidArgumentError(`${source}: truncated .npy header`);
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new InvalidArgumentError(`${source}: unreadable .npy header`);
  if (fortran === 'True') throw new InvalidArgumentError(`${source}: Fortran-ordered arrays are not supported`);
  const reader = READERS[descr];
  if (!reader)
    throw new InvalidArgumentError(`${source}: dtype ${descr} is not supported (use float64, float32, int32 or uint8)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new InvalidArgumentError(`${source}: unreadable shape (${shapeText}) in the .npy header`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start < count * reader.bytes) {
    throw new InvalidArgumentError(
      `${source}: truncated, ${count} values of ${descr} need ${count * reader.bytes} bytes, found ${bytes.length - start}`,
    );
  }
  const values = reader.make(count);
  for (let i = 0; i < count; i++) values[i] = reader.read(view, start + i * reader.bytes);
  return { shape, dtype: descr, values };
}

import { existsSync } from 'node:fs';
import { InvalidArgumentError } from '@scalespace/core';
import { ImageDataset } from './dataset.js';

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
  const start = (major === 1 ? 10 : 12) + headerLength;
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

/** Where Debian's python3-skimage installs the LFW face subset (100 faces + 100 non-faces, 25x25 grey in [0, 1]). */
export const LFW_SUBSET_DEBIAN_PATH = '/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy';

/** The first 100 images of skimage's lfw_subset.npy (the faces) as an 8-bit grey dataset. */
export async function loadLfwSubset(path = LFW_SUBSET_DEBIAN_PATH): Promise<ImageDataset> {
  if (!existsSync(path)) {
    throw new InvalidArgumentError(
      `lfw_subset.npy not found at ${path}. Get it with \`sudo apt-get install python3-skimage\` ` +
        '(or `apt-get download python3-skimage && dpkg -x python3-skimage_*.deb DIR` and pass DIR/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy)',
    );
  }
  const { readFile } = await import('node:fs/promises');
  const npy = parseNpy(await readFile(path), `"${path}"`);
  if (npy.shape.length !== 3) throw new InvalidArgumentError(`"${path}": expected [N, H, W], got [${npy.shape}]`);
  const [n, h, w] = npy.shape;
  const faces = Math.min(100, n);
  const data = new Uint8Array(faces * h * w);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(Number(npy.values[i]) * 255)));
  return new ImageDataset(data, [h, w, 1], {
    name: 'lfw-subset',
    path,
    description: 'LFW face crops from scikit-image (first 100 of lfw_subset.npy)',
  });
}

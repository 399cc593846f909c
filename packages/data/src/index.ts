// The Node entry: everything in browser.ts, plus the datasets and images read from disk.
export * from './browser.js';
export type { IdxSetOptions, Split } from './builtin.js';
export {
  FASHION_MNIST_DEBIAN_DIR,
  fashionMnistDir,
  idxFiles,
  loadFashionMnist,
  loadIdxSet,
  loadMnist,
  mnistDir,
} from './builtin.js';
export type { CacheOption, CacheSpec } from './cache.js';
export { cacheDir, cachedDataset } from './cache.js';
export { CIFAR10_CLASSES, loadCifar10, parseCifar10 } from './cifar10.js';
export type { FixtureName } from './fixtures.js';
export { FIXTURES, fixtureDir, fixtureImages, fixturePath, loadFixture } from './fixtures.js';
export type { FolderOptions } from './folder.js';
export { listImages, loadImageFolder, readImageFiles } from './folder.js';
export type { IdxArray } from './idx.js';
export { parseIdx, readIdx } from './idx.js';
export type { ImageFileOptions } from './image-file.js';
export { imageFileInfo, loadImage, readImageBytes } from './image-file.js';
export { LFW_SUBSET_DEBIAN_PATH, loadLfwSubset } from './lfw-subset.js';
export type { PackedHeader } from './packed.js';
export { decodePacked, encodePacked, readPackedDataset, writePackedDataset } from './packed.js';
export type { PatchSamplerOptions } from './patch-sampler.js';
export { PatchSampler } from './patch-sampler.js';
export type { LoadDatasetOptions } from './registry.js';
export { DATASET_NAMES, hasTestSplit, loadDataset } from './registry.js';

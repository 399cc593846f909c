// The API that runs everywhere, browsers included (the package's `browser` export condition): batching,
// datasets in memory, patches, size policies, .npy parsing. index.ts adds what reads files (Node).
export type { Augment, Batch, BatchOptions } from './batching.js';
export { augmentedShape, BatchSampler, batches } from './batching.js';
export type { DatasetSource } from './dataset.js';
export { ImageDataset } from './dataset.js';
export type { NpyArray } from './npy.js';
export { parseNpy } from './npy.js';
export { padImages } from './pad-images.js';
export type { PatchOptions } from './patches.js';
export { randomPatches } from './patches.js';
export type { RawImage, SizeOptions, SizePolicy } from './size-policy.js';
export { fitImage, SIZE_POLICIES } from './size-policy.js';

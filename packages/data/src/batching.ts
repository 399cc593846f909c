import { InvalidArgumentError, type Rng, rng, tf } from '@scalespace/core';
import type { ImageDataset } from './dataset.js';

export interface Augment {
  /** Mirror left-right with probability 1/2. */
  flip?: boolean;
  /** Mirror top-bottom with probability 1/2 (textures; not digits or faces). */
  flipVertical?: boolean;
  /** Zero-pad every side by this many pixels (e.g. 2 turns MNIST's 28x28 into 32x32). */
  pad?: number;
  /** Random crop of this [height, width] (after padding). */
  crop?: [number, number];
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /**
   * Drop the last partial batch of each epoch so every batch has `batchSize` images (default true;
   * each epoch then visits size - size % batchSize images once). With false the last batch is smaller
   * and every image is visited exactly once per epoch.
   */
  dropLast?: boolean;
  seed?: number;
  augment?: Augment;
  /**
   * 'float' (default): float32 in [0, 1]. `{ bits }`: int32 keeping the top `bits` bits of each 8-bit
   * value (v >> (8 - bits)), the 5-bit convention of CelebA-HQ / FFHQ work.
   */
  format?: 'float' | { bits: number };
}

export interface Batch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D | null;
  /** Dataset indices of the images, in batch order. */
  indices: number[];
}

/** Output [H, W, C] of a dataset's images after augmentation. */
export function augmentedShape(shape: [number, number, number], augment: Augment = {}): [number, number, number] {
  const pad = augment.pad ?? 0;
  const [h, w, c] = shape;
  return augment.crop ? [augment.crop[0], augment.crop[1], c] : [h + 2 * pad, w + 2 * pad, c];
}

function augmentInto(
  src: Uint8Array,
  shape: [number, number, number],
  augment: Augment,
  r: Rng,
  dst: Uint8Array,
  offset: number,
) {
  const [h, w, c] = shape;
  const pad = augment.pad ?? 0;
  const [oh, ow] = augmentedShape(shape, augment);
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const top = augment.crop ? r.int(ph - oh + 1) : 0;
  const left = augment.crop ? r.int(pw - ow + 1) : 0;
  const flip = augment.flip ? r.uniform() < 0.5 : false;
  const flipV = augment.flipVertical ? r.uniform() < 0.5 : false;
  for (let y = 0; y < oh; y++) {
    const sy = (flipV ? oh - 1 - y : y) + top - pad;
    for (let x = 0; x < ow; x++) {
      const px = flip ? ow - 1 - x : x;
      const sx = px + left - pad;
      const at = offset + (y * ow + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let ch = 0; ch < c; ch++) dst[at + ch] = 0;
      } else {
        const from = (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) dst[at + ch] = src[from + ch];
      }
    }
  }
}

/**
 * Deterministic batches by step number: step s of a run always gets the same images, so a resumed
 * training run continues exactly. Each epoch visits every image once, in a seeded shuffle per epoch
 * (with `dropLast`, the default, the images of the last partial batch wait for a later epoch).
 */
export class BatchSampler {
  readonly dataset: ImageDataset;
  readonly options: Required<Omit<BatchOptions, 'augment'>> & { augment: Augment };
  readonly batchesPerEpoch: number;
  readonly #orders = new Map<number, number[]>();

  constructor(dataset: ImageDataset, options: BatchOptions) {
    const { batchSize, shuffle = true, seed = 0, augment = {}, format = 'float', dropLast = true } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
    if (batchSize > dataset.size)
      throw new InvalidArgumentError(`batchSize ${batchSize} is larger than the dataset (${dataset.size} images)`);
    if (typeof format === 'object' && (!Number.isInteger(format.bits) || format.bits < 1 || format.bits > 8)) {
      throw new InvalidArgumentError(`format.bits must be in 1..8, got ${format.bits}`);
    }
    const [h, w] = dataset.shape;
    const pad = augment.pad ?? 0;
    if (!Number.isInteger(pad) || pad < 0)
      throw new InvalidArgumentError(`augment.pad must be a non-negative integer, got ${pad}`);
    if (augment.crop && !(augment.crop.length === 2 && augment.crop.every((d) => Number.isInteger(d) && d > 0))) {
      throw new InvalidArgumentError(`augment.crop must be [height, width] in pixels, got ${augment.crop}`);
    }
    if (augment.crop && (augment.crop[0] > h + 2 * pad || augment.crop[1] > w + 2 * pad)) {
      throw new InvalidArgumentError(
        `crop ${augment.crop.join('x')} is larger than the (padded) ${h + 2 * pad}x${w + 2 * pad} images`,
      );
    }
    this.dataset = dataset;
    this.options = { batchSize, shuffle, seed, augment, format, dropLast };
    this.batchesPerEpoch = dropLast ? Math.floor(dataset.size / batchSize) : Math.ceil(dataset.size / batchSize);
  }

  #order(epoch: number): number[] {
    let order = this.#orders.get(epoch);
    if (!order) {
      order = Array.from({ length: this.dataset.size }, (_, i) => i);
      if (this.options.shuffle) rng(this.options.seed).fork(`epoch${epoch}`).shuffle(order);
      if (this.#orders.size > 4) this.#orders.clear();
      this.#orders.set(epoch, order);
    }
    return order;
  }

  /** Dataset indices of the images in batch `step`. */
  indicesAt(step: number): number[] {
    const epoch = Math.floor(step / this.batchesPerEpoch);
    const within = step % this.batchesPerEpoch;
    const { batchSize } = this.options;
    return this.#order(epoch).slice(within * batchSize, (within + 1) * batchSize);
  }

  /** The batch for a step. */
  batch(step: number): Batch {
    if (!Number.isInteger(step) || step < 0)
      throw new InvalidArgumentError(`batch step must be a non-negative integer, got ${step}`);
    const indices = this.indicesAt(step);
    const { augment, format, seed } = this.options;
    const [oh, ow, c] = augmentedShape(this.dataset.shape, augment);
    const bytes = new Uint8Array(indices.length * oh * ow * c);
    const r = rng(seed).fork(`augment${step}`);
    for (const [k, index] of indices.entries()) {
      augmentInto(this.dataset.get(index), this.dataset.shape, augment, r, bytes, k * oh * ow * c);
    }
    const shape: [number, number, number, number] = [indices.length, oh, ow, c];
    let images: tf.Tensor4D;
    if (format === 'float') {
      const values = new Float32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) values[i] = bytes[i] / 255;
      images = tf.tensor4d(values, shape);
    } else {
      const shift = 8 - format.bits;
      const values = new Int32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) values[i] = bytes[i] >> shift;
      images = tf.tensor4d(values, shape, 'int32');
    }
    const labels = this.dataset.labels
      ? tf.tensor1d(
          Int32Array.from(indices, (i) => this.dataset.labels?.[i] ?? 0),
          'int32',
        )
      : null;
    return { images, labels, indices };
  }
}

/** Iterates the batches of `epochs` epochs (default 1). */
export function* batches(dataset: ImageDataset, options: BatchOptions & { epochs?: number }): Generator<Batch> {
  const sampler = new BatchSampler(dataset, options);
  const total = sampler.batchesPerEpoch * (options.epochs ?? 1);
  for (let step = 0; step < total; step++) yield sampler.batch(step);
}

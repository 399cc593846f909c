import { InvalidArgumentError, rng, tf } from '@scalespace/core';
import { type Batch, type BatchOptions, BatchSampler, batches } from './batching.js';

/** Where a dataset's bytes came from, for `data info` and error messages. */
export interface DatasetSource {
  name: string;
  path: string;
  description?: string;
  /** Licence of the data, where known. */
  licence?: string;
  /** Set when the dataset went through a packed cache: its file, and whether it was read (hit) or (re)built. */
  cache?: { path: string; hit: boolean; rebuilt?: string; error?: string };
}

/**
 * A set of 8-bit images held in memory as one uint8 array [N, H, W, C] (with optional integer
 * labels): the form every scalespace trainer reads. Indexing, splitting and batching never copy
 * the pixels except into the batch being made.
 */
export class ImageDataset {
  readonly data: Uint8Array;
  readonly shape: [number, number, number];
  readonly labels: Int32Array | null;
  readonly source: DatasetSource;

  constructor(
    data: Uint8Array,
    shape: [number, number, number],
    source: DatasetSource,
    labels: Int32Array | null = null,
  ) {
    const [h, w, c] = shape;
    if (![h, w, c].every((d) => Number.isInteger(d) && d > 0))
      throw new InvalidArgumentError(`dataset shape must be positive integers, got [${shape}]`);
    if (data.length % (h * w * c) !== 0) {
      throw new InvalidArgumentError(`dataset: ${data.length} bytes is not a whole number of ${h}x${w}x${c} images`);
    }
    if (labels && labels.length !== data.length / (h * w * c))
      throw new InvalidArgumentError('dataset: one label per image is required');
    this.data = data;
    this.shape = shape;
    this.labels = labels;
    this.source = source;
  }

  /** Number of images. */
  get size(): number {
    return this.data.length / (this.shape[0] * this.shape[1] * this.shape[2]);
  }

  /** Bytes of image i (a view, not a copy). */
  get(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.size)
      throw new InvalidArgumentError(`dataset index ${i} out of range 0..${this.size - 1}`);
    const n = this.shape[0] * this.shape[1] * this.shape[2];
    return this.data.subarray(i * n, (i + 1) * n);
  }

  /** Float32 [n, H, W, C] in [0, 1] of the given images (default: all of them). */
  images(indices?: ArrayLike<number>): tf.Tensor4D {
    const [h, w, c] = this.shape;
    const per = h * w * c;
    const list = indices ?? Array.from({ length: this.size }, (_, i) => i);
    const values = new Float32Array(list.length * per);
    for (let k = 0; k < list.length; k++) {
      const bytes = this.get(list[k]);
      for (let j = 0; j < per; j++) values[k * per + j] = bytes[j] / 255;
    }
    return tf.tensor4d(values, [list.length, h, w, c]);
  }

  /** A step-addressed batch sampler over this dataset (see `BatchSampler`). */
  sampler(options: BatchOptions): BatchSampler {
    return new BatchSampler(this, options);
  }

  /**
   * Iterates batches: float32 [B, H, W, C] in [0, 1], or int32 top `bits` bits with `format: { bits }`;
   * each epoch visits every image once in a seeded order.
   */
  batches(options: BatchOptions & { epochs?: number }): Generator<Batch> {
    return batches(this, options);
  }

  /** A dataset of the given images (copied, in the given order). */
  subset(indices: ArrayLike<number>, name = `${this.source.name}[subset]`): ImageDataset {
    const n = this.shape[0] * this.shape[1] * this.shape[2];
    const out = new Uint8Array(indices.length * n);
    const labels = this.labels ? new Int32Array(indices.length) : null;
    for (let k = 0; k < indices.length; k++) {
      out.set(this.get(indices[k]), k * n);
      if (labels && this.labels) labels[k] = this.labels[indices[k]];
    }
    return new ImageDataset(out, this.shape, { ...this.source, name }, labels);
  }

  /** The first `count` images (or fewer). */
  take(count: number): ImageDataset {
    return this.subset(
      Array.from({ length: Math.min(count, this.size) }, (_, i) => i),
      `${this.source.name}[:${count}]`,
    );
  }

  /**
   * A deterministic split into two datasets: `first` gets round(fraction * size) images (or `first`
   * images when given as an integer >= 1), chosen by a seeded shuffle; the same seed gives the same split.
   */
  split(first: number, seed = 0): [ImageDataset, ImageDataset] {
    const count = first >= 1 ? Math.floor(first) : Math.round(first * this.size);
    if (!(count >= 0 && count <= this.size))
      throw new InvalidArgumentError(`split: cannot take ${first} of ${this.size} images`);
    const order = rng(seed)
      .fork('split')
      .shuffle(Array.from({ length: this.size }, (_, i) => i));
    return [
      this.subset(order.slice(0, count), `${this.source.name}[split a]`),
      this.subset(order.slice(count), `${this.source.name}[split b]`),
    ];
  }
}

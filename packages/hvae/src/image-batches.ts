import { InvalidArgumentError, rng, tf } from '@scalespace/core';
import type { ImageArray } from './image-array.js';

/**
 * Deterministic shuffled mini-batches of a uint8 image array: the batch of training step `s` depends
 * only on (seed, s), so a resumed run sees exactly the batches the uninterrupted one would have.
 * Each epoch is a fresh permutation covering every image once.
 */
export class ShuffledBatches {
  readonly images: ImageArray;
  readonly batchSize: number;
  readonly seed: number;
  #epoch = -1;
  #order: number[] = [];

  constructor(images: ImageArray, options: { batchSize: number; seed: number }) {
    const { batchSize, seed } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > images.n) {
      throw new InvalidArgumentError(`batchSize must be an integer in 1..${images.n}, got ${batchSize}`);
    }
    this.images = images;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** Batches per epoch (the last partial batch is dropped). */
  get perEpoch(): number {
    return Math.floor(this.images.n / this.batchSize);
  }

  /** Indices of the images in the batch of step `step`. */
  indices(step: number): number[] {
    const epoch = Math.floor(step / this.perEpoch);
    if (epoch !== this.#epoch) {
      this.#order = rng(this.seed)
        .fork(`epoch${epoch}`)
        .shuffle(Array.from({ length: this.images.n }, (_, i) => i));
      this.#epoch = epoch;
    }
    const start = (step % this.perEpoch) * this.batchSize;
    return this.#order.slice(start, start + this.batchSize);
  }

  /** Float images [B, H, W, C] in [0, 1] for step `step`. */
  batch(step: number): tf.Tensor4D {
    return imagesAt(this.images, this.indices(step));
  }
}

/** Float images [k, H, W, C] in [0, 1] of the given indices. */
export function imagesAt(images: ImageArray, indices: number[]): tf.Tensor4D {
  const { height: h, width: w, channels: c } = images;
  const size = h * w * c;
  const out = new Float32Array(indices.length * size);
  for (const [j, i] of indices.entries()) {
    if (!(i >= 0 && i < images.n)) throw new InvalidArgumentError(`image index ${i} is outside 0..${images.n - 1}`);
    const src = images.data.subarray(i * size, (i + 1) * size);
    for (let k = 0; k < size; k++) out[j * size + k] = src[k] / 255;
  }
  return tf.tensor4d(out, [indices.length, h, w, c]);
}

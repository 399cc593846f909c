import { InvalidArgumentError, InvalidImageError, rng, tf } from '@scalespace/core';
import type { ImageDataset } from './dataset.js';
import { listImages, readImageFiles } from './folder.js';
import type { ImageFileOptions } from './image-file.js';
import type { RawImage } from './size-policy.js';

export interface PatchSamplerOptions {
  /** Patch side in pixels. */
  size: number;
  batchSize: number;
  seed?: number;
  /** Mirror patches left-right at random (default false). */
  flip?: boolean;
  /** Also mirror top-bottom at random (default false; fine for photos' textures, not for faces). */
  flipVertical?: boolean;
}

/**
 * Random square patches of a set of 8-bit images of any sizes, addressed by step: `batch(s)` is a
 * function of (seed, s) only, so a resumed run sees the same patches. Every valid patch position of
 * every image is equally likely (larger images give more patches). Denoisers train on these.
 */
export class PatchSampler {
  readonly images: RawImage[];
  readonly options: Required<PatchSamplerOptions>;
  readonly #cumulative: Float64Array;

  constructor(images: RawImage[] | ImageDataset, options: PatchSamplerOptions) {
    const list = Array.isArray(images) ? images : datasetImages(images);
    const { size, batchSize, seed = 0, flip = false, flipVertical = false } = options;
    if (!Number.isInteger(size) || size < 1)
      throw new InvalidArgumentError(`patch size must be a positive integer, got ${size}`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
    if (list.length === 0) throw new InvalidArgumentError('PatchSampler: no images to cut patches from');
    const channels = list[0].channels;
    this.#cumulative = new Float64Array(list.length);
    let total = 0;
    list.forEach((im, i) => {
      if (im.channels !== channels)
        throw new InvalidImageError('PatchSampler: images differ in channel count; load them with one { channels }');
      if (im.height < size || im.width < size) {
        throw new InvalidImageError(
          `PatchSampler: image ${i} is ${im.height}x${im.width}, smaller than a ${size}px patch; use a smaller size`,
        );
      }
      total += (im.height - size + 1) * (im.width - size + 1);
      this.#cumulative[i] = total;
    });
    this.images = list;
    this.options = { size, batchSize, seed, flip, flipVertical };
  }

  /** Patches of every image file below a folder (any sizes), e.g. `fixtureDir()` with `{ channels: 1 }`. */
  static async fromFolder(
    dir: string,
    options: PatchSamplerOptions & Pick<ImageFileOptions, 'channels'>,
  ): Promise<PatchSampler> {
    const { channels = 3, ...rest } = options;
    return new PatchSampler(await readImageFiles(await listImages(dir), { channels }), rest);
  }

  /** Image index and top-left corner of every patch of batch `step`, with its flips. */
  positions(step: number): Array<{ image: number; top: number; left: number; flip: boolean; flipVertical: boolean }> {
    if (!Number.isInteger(step) || step < 0)
      throw new InvalidArgumentError(`step must be a non-negative integer, got ${step}`);
    const { size, batchSize, seed } = this.options;
    const r = rng(seed).fork(`patches${step}`);
    const total = this.#cumulative[this.#cumulative.length - 1];
    return Array.from({ length: batchSize }, () => {
      const u = r.uniform() * total;
      let lo = 0;
      let hi = this.#cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.#cumulative[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      const im = this.images[lo];
      return {
        image: lo,
        top: r.int(im.height - size + 1),
        left: r.int(im.width - size + 1),
        flip: this.options.flip && r.uniform() < 0.5,
        flipVertical: this.options.flipVertical && r.uniform() < 0.5,
      };
    });
  }

  /** Float32 [batchSize, size, size, C] in [0, 1]. */
  batch(step: number): tf.Tensor4D {
    const { size } = this.options;
    const c = this.images[0].channels;
    const per = size * size * c;
    const positions = this.positions(step);
    const out = new Float32Array(positions.length * per);
    positions.forEach((p, k) => {
      const im = this.images[p.image];
      for (let y = 0; y < size; y++) {
        const sy = p.top + (p.flipVertical ? size - 1 - y : y);
        for (let x = 0; x < size; x++) {
          const sx = p.left + (p.flip ? size - 1 - x : x);
          const from = (sy * im.width + sx) * c;
          const to = k * per + (y * size + x) * c;
          for (let ch = 0; ch < c; ch++) out[to + ch] = im.data[from + ch] / 255;
        }
      }
    });
    return tf.tensor4d(out, [positions.length, size, size, c]);
  }
}

function datasetImages(dataset: ImageDataset): RawImage[] {
  const [height, width, channels] = dataset.shape;
  return Array.from({ length: dataset.size }, (_, i) => ({ data: dataset.get(i), height, width, channels }));
}

import { InvalidArgumentError, type Rng } from '@scalespace/core';

/**
 * A training image on the host: float32 HWC values. Channels from `detailOffset` on are Haar detail
 * bands laid out [h.., v.., d..] (C' channels each; h differences along H, v along W, as PyWavelets),
 * which change sign or swap when the patch is flipped or transposed; channels before it are plain values.
 */
export interface HostImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
  /** First detail-band channel; absent when every channel is a plain image value. */
  detailOffset?: number;
}

export interface PatchBatchOptions {
  /** Patches in the batch. */
  batchSize: number;
  /** Side of the square patches. */
  patchSize: number;
  /** Apply a random flip / transpose to each patch (default true). */
  augment?: boolean;
}

/**
 * Draws a batch of random square patches, each from an image picked uniformly at random and a random
 * position, optionally with one of the 8 flips / transposes of the square (detail bands follow the rule
 * of the Haar transform: a transpose swaps h and v, a left-right flip negates v and d, an up-down flip
 * negates h and d). Returns NHWC values ready for `tf.tensor4d`.
 */
export function samplePatchBatch(images: HostImage[], options: PatchBatchOptions, r: Rng): Float32Array {
  const { batchSize, patchSize, augment = true } = options;
  if (images.length === 0) throw new InvalidArgumentError('samplePatchBatch: no images to draw patches from');
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(patchSize) || patchSize < 1)
    throw new InvalidArgumentError(`patchSize must be a positive integer, got ${patchSize}`);
  const channels = images[0].channels;
  for (const image of images) {
    if (image.channels !== channels || image.detailOffset !== images[0].detailOffset)
      throw new InvalidArgumentError('samplePatchBatch: every image must have the same channels and band layout');
    if (image.height < patchSize || image.width < patchSize) {
      throw new InvalidArgumentError(
        `samplePatchBatch: an image of ${image.height}x${image.width} is smaller than the ${patchSize}x${patchSize} patch; use a smaller --patch or larger images`,
      );
    }
  }
  const p = patchSize;
  const per = p * p * channels;
  const out = new Float32Array(batchSize * per);
  for (let b = 0; b < batchSize; b++) {
    const image = images[r.int(images.length)];
    const y0 = r.int(image.height - p + 1);
    const x0 = r.int(image.width - p + 1);
    const transpose = augment && r.uniform() < 0.5;
    const flipH = augment && r.uniform() < 0.5;
    const flipV = augment && r.uniform() < 0.5;
    const signs = bandSigns(image, flipH, flipV);
    const source = bandSource(image, transpose);
    const base = b * per;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        // Output (i, j) after transpose-then-flips reads the crop at (a, b).
        const ii = flipV ? p - 1 - i : i;
        const jj = flipH ? p - 1 - j : j;
        const a = transpose ? jj : ii;
        const c = transpose ? ii : jj;
        const src = ((y0 + a) * image.width + x0 + c) * channels;
        const dst = base + (i * p + j) * channels;
        for (let k = 0; k < channels; k++) out[dst + k] = signs[k] * image.data[src + source[k]];
      }
    }
  }
  return out;
}

function detailLayout(image: HostImage): { offset: number; per: number } | null {
  if (image.detailOffset === undefined) return null;
  const per = (image.channels - image.detailOffset) / 3;
  if (!Number.isInteger(per) || per < 1)
    throw new InvalidArgumentError(`detail bands need 3 * C channels after detailOffset, got ${image.channels}`);
  return { offset: image.detailOffset, per };
}

/** Which input channel each output channel reads: a transpose swaps the h and v bands. */
function bandSource(image: HostImage, transpose: boolean): number[] {
  const source = Array.from({ length: image.channels }, (_, k) => k);
  const layout = detailLayout(image);
  if (!layout || !transpose) return source;
  const { offset, per } = layout;
  for (let c = 0; c < per; c++) {
    source[offset + c] = offset + per + c;
    source[offset + per + c] = offset + c;
  }
  return source;
}

/** Sign of each output channel: flips negate the bands that difference along the flipped axis (after any swap). */
function bandSigns(image: HostImage, flipH: boolean, flipV: boolean): number[] {
  const signs = new Array<number>(image.channels).fill(1);
  const layout = detailLayout(image);
  if (!layout) return signs;
  const { offset, per } = layout;
  for (let c = 0; c < per; c++) {
    if (flipH) {
      signs[offset + per + c] *= -1; // v: differences along W
      signs[offset + 2 * per + c] *= -1; // d
    }
    if (flipV) {
      signs[offset + c] *= -1; // h: differences along H
      signs[offset + 2 * per + c] *= -1; // d
    }
  }
  return signs;
}

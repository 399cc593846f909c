import { bitsPerDim, InvalidArgumentError } from '@scalespace/core';

export interface BitsPerDimOptions {
  /** Shape of one image, [H, W, C] (or any shape: its product is the number of dimensions). */
  shape: number[];
  /** Bits of the data (8 for standard images, 5 for the CelebA-HQ / FFHQ convention). */
  bits: number;
  /**
   * What the NLL is of:
   * - 'discrete' (default): the probability of the integer values, as PixelCNN++ / PixelPyramids /
   *   VD-VAE compute it with a discretized likelihood. bits/dim = nll / (D ln 2), at most `bits`.
   * - 'continuous-unit': a density over [0, 1]^D of uniformly dequantised data (flows):
   *   bits/dim = nll / (D ln 2) + bits, an upper bound on the discrete code length.
   */
  convention?: 'discrete' | 'continuous-unit';
  /** Number of images the NLL is summed over (default 1). */
  images?: number;
}

/** Converts a negative log-likelihood in nats into bits per dimension, with the data convention spelled out. */
export function imageBitsPerDim(nllNats: number, options: BitsPerDimOptions): number {
  const { shape, bits, convention = 'discrete', images = 1 } = options;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new InvalidArgumentError(`imageBitsPerDim: shape must list positive integers, got [${shape}]`);
  }
  if (!Number.isInteger(bits) || bits < 1 || bits > 16)
    throw new InvalidArgumentError(`imageBitsPerDim: bits must be in 1..16, got ${bits}`);
  if (!Number.isInteger(images) || images < 1)
    throw new InvalidArgumentError(`imageBitsPerDim: images must be a positive integer, got ${images}`);
  const dims = shape.reduce((a, b) => a * b, 1) * images;
  const bpd = bitsPerDim(nllNats, dims);
  if (convention === 'discrete') return bpd;
  if (convention === 'continuous-unit') return bpd + bits;
  throw new InvalidArgumentError(`imageBitsPerDim: unknown convention "${convention}"`);
}

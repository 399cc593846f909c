import { InvalidArgumentError } from './errors.js';

/**
 * Bits per dimension from a negative log-likelihood in nats over `dims` values
 * (H * W * C per image, times the number of images when `nll` is a sum over a batch):
 * bpd = nll / (dims * ln 2). For discrete data (integer pixels with b bits) this is the exact
 * code length per value; b bits/dim is the cost of storing the values uncompressed.
 */
export function bitsPerDim(nllNats: number, dims: number): number {
  if (!Number.isFinite(nllNats)) throw new InvalidArgumentError(`bitsPerDim: nll must be finite, got ${nllNats}`);
  if (!(dims > 0)) throw new InvalidArgumentError(`bitsPerDim: dims must be positive, got ${dims}`);
  return nllNats / (dims * Math.LN2);
}

import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';

/** Accepts [H, W, C] or [N, H, W, C]; returns the 4-D view and a function restoring the caller's rank. */
export function asBatch(
  x: tf.Tensor,
  what: string,
): { batch: tf.Tensor4D; restore: <T extends tf.Tensor>(t: T) => tf.Tensor } {
  if (x.rank === 3) {
    return { batch: tf.expandDims(x, 0) as tf.Tensor4D, restore: (t) => tf.squeeze(t, [0]) };
  }
  if (x.rank === 4) return { batch: x as tf.Tensor4D, restore: (t) => t };
  throw new InvalidImageError(
    `${what}: expected an image [H, W, C] or a batch [N, H, W, C], got [${x.shape.join(', ')}]`,
  );
}

export function checkBits(bits: number, what: string): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new InvalidArgumentError(`${what}: bits must be an integer in 1..16, got ${bits}`);
  }
  return bits;
}

export function checkPositiveInt(value: number, name: string, what: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`${what}: ${name} must be a positive integer, got ${value}`);
  return value;
}

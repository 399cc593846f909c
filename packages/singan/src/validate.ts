import { assertImageTensor, InvalidArgumentError, InvalidImageError, type tf } from '@scalespace/core';

/** An integer option in [min, max], or its default. */
export function intIn(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(`${what} must be an integer in [${min}, ${max}], got ${value}`);
  return v;
}

/** A number option in (min, max] style bounds (inclusive), or its default. */
export function numberIn(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new InvalidArgumentError(`${what} must be a number in [${min}, ${max}], got ${value}`);
  return v;
}

/** A seed: any finite number (default 0). */
export function seedOf(value: number | undefined): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InvalidArgumentError(`seed must be a finite number, got ${value}`);
  return v;
}

/** Checks an RGB image tensor [H, W, 3] (or [1, H, W, 3]) with values in [0, 1]; returns it as 3-D. */
export function rgbImage(image: tf.Tensor, what: string): tf.Tensor3D {
  const img = assertImageTensor(image, what);
  if (img.shape[2] !== 3) {
    if (img !== image) img.dispose();
    throw new InvalidImageError(
      `${what}: expected 3 colour channels, got ${img.shape[2]}; read it with readImage(path, { channels: 3 })`,
    );
  }
  return img;
}

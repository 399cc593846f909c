import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';

/** Checks that two images (or batches) have the same shape, are float, and hold no NaN. Returns them as 4-D. */
export async function checkPair(a: tf.Tensor, b: tf.Tensor, what: string): Promise<[tf.Tensor4D, tf.Tensor4D]> {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new InvalidImageError(
      `${what}: the images differ in shape, [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]; resize or crop one to match`,
    );
  }
  if (a.rank !== 3 && a.rank !== 4) {
    throw new InvalidImageError(`${what}: expected [H, W, C] or [N, H, W, C], got [${a.shape.join(', ')}]`);
  }
  const nan = tf.tidy(() => tf.logicalOr(tf.any(tf.isNaN(a)), tf.any(tf.isNaN(b))));
  const [bad] = await nan.data();
  nan.dispose();
  if (bad) throw new InvalidImageError(`${what}: an image contains NaN values`);
  return tf.tidy(() => {
    const fa = tf.cast(a, 'float32');
    const fb = tf.cast(b, 'float32');
    return a.rank === 3 ? [tf.expandDims(fa, 0), tf.expandDims(fb, 0)] : [fa, fb];
  }) as [tf.Tensor4D, tf.Tensor4D];
}

/** The smallest and largest value of a tensor, read asynchronously. */
export async function valueSpan(x: tf.Tensor): Promise<[number, number]> {
  const span = tf.tidy(() => tf.stack([tf.min(x), tf.max(x)]));
  const values = await span.data();
  span.dispose();
  return [values[0], values[1]];
}

/** Validates a data range (the difference between the largest and smallest possible pixel value). */
export function checkDataRange(dataRange: number | undefined, what: string): number {
  if (dataRange === undefined) {
    throw new InvalidArgumentError(
      `${what}: dataRange is required (1 for float images in [0, 1], 255 for 8-bit values)`,
    );
  }
  if (!(dataRange > 0) || !Number.isFinite(dataRange)) {
    throw new InvalidArgumentError(`${what}: dataRange must be a positive number, got ${dataRange}`);
  }
  return dataRange;
}

/** Warns-by-error when values fall far outside [0, dataRange]: usually a [0, 255] image compared with dataRange 1. */
export async function checkValueRange(x: tf.Tensor, dataRange: number, what: string): Promise<void> {
  const [lo, hi] = await valueSpan(x);
  const slack = 0.5 * dataRange;
  if (lo < -slack || hi > dataRange + slack) {
    throw new InvalidImageError(
      `${what}: values span ${lo.toPrecision(4)}..${hi.toPrecision(4)}, far outside [0, ${dataRange}]; pass the matching dataRange (e.g. 255 for 8-bit values)`,
    );
  }
}

import { tf } from '@scalespace/core';

// The resize of the official SinGAN (SinGAN/imresize.py, after github.com/assafshocher/resizer): MATLAB-style
// bicubic resampling by an exact factor (output ceil(size * factor), sample positions (i + 0.5) / factor - 0.5,
// kernel widened when shrinking, weights normalised to sum to one), with one quirk kept here because the
// official outputs depend on it: taps left of the first pixel get weight 0 (the rest is renormalised), while
// taps past the last pixel mirror it. (The official code casts the tap indices to unsigned 64-bit integers
// before computing the weights from them; on x86-64 a negative index becomes 2^64 + j, whose kernel weight is
// 0.) @scalespace/pyramids' resize mirrors both edges, so this file reproduces the official one.

function cubic(x: number): number {
  const t = Math.abs(x);
  if (t <= 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
  if (t <= 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
  return 0;
}

/** The official resampling of an axis of `inSize` samples by `factor`: a row-major [out x in] matrix. */
export function officialResizeMatrix(inSize: number, factor: number): { matrix: Float32Array; outSize: number } {
  const outSize = Math.ceil(inSize * factor);
  const shrink = factor < 1;
  const width = shrink ? 4 / factor : 4;
  const kernel = shrink ? (x: number) => factor * cubic(factor * x) : cubic;
  const taps = Math.ceil(width) + 2;
  const period = 2 * inSize;
  const mirrored = (q: number) => (q < inSize ? q : period - 1 - q);
  const matrix = new Float32Array(outSize * inSize);
  const weights = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const position = (i + 1) / factor + 0.5 * (1 - 1 / factor); // 1-based, as the official code counts
    const first = Math.floor(position - width / 2) - 1; // 0-based index of the first tap
    let total = 0;
    for (let p = 0; p < taps; p++) {
      weights[p] = first + p < 0 ? 0 : kernel(position - (first + p) - 1);
      total += weights[p];
    }
    if (total === 0) total = 1;
    for (let p = 0; p < taps; p++) {
      if (weights[p] !== 0) matrix[i * inSize + mirrored((first + p) % period)] += weights[p] / total;
    }
  }
  return { matrix, outSize };
}

/** Applies an [out x in] matrix along axis 1 (rows) or 2 (columns) of an NHWC tensor. */
function alongAxis(x: tf.Tensor4D, matrix: Float32Array, outSize: number, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const inSize = axis === 1 ? h : w;
    const order = axis === 1 ? [0, 2, 3, 1] : [0, 1, 3, 2]; // the resized axis last
    const moved = tf.reshape(tf.transpose(x, order), [-1, inSize]);
    const resized = tf.matMul(moved, tf.tensor2d(matrix, [outSize, inSize]), false, true);
    const shape: [number, number, number, number] = axis === 1 ? [n, w, c, outSize] : [n, h, c, outSize];
    const back = axis === 1 ? [0, 3, 1, 2] : [0, 1, 3, 2];
    return tf.transpose(tf.reshape(resized, shape), back) as tf.Tensor4D;
  });
}

/** The official imresize of an NHWC tensor by `factor` (rows first, then columns). */
export function officialResize(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = officialResizeMatrix(x.shape[1], factor);
    const cols = officialResizeMatrix(x.shape[2], factor);
    return alongAxis(alongAxis(x, rows.matrix, rows.outSize, 1), cols.matrix, cols.outSize, 2);
  });
}

/**
 * The step between scales of the official SinGAN (its `imresize(x, 1 / scale_factor)`): the image is written
 * out as 8-bit values (255 * clamp((x + 1) / 2, 0, 1), truncated), resized by exactly 1 / scaleFactor
 * (`officialResize`), brought back to [-1, 1] (clamped), and its top-left height x width kept. Where the
 * resized image is smaller than that (sizes other than the training pyramid's), it is stretched bilinearly
 * (corners aligned), as the official `upsampling` does.
 */
export function officialUpsample(x: tf.Tensor4D, height: number, width: number, scaleFactor: number): tf.Tensor4D {
  return tf.tidy(() => {
    const levels = tf.floor(tf.mul(tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1), 255)) as tf.Tensor4D;
    const resized = officialResize(levels, 1 / scaleFactor);
    const signed = tf.clipByValue(tf.mul(tf.sub(tf.div(resized, 255), 0.5), 2), -1, 1) as tf.Tensor4D;
    const [n, h, w, c] = signed.shape;
    if (h >= height && w >= width) return tf.slice(signed, [0, 0, 0, 0], [n, height, width, c]);
    return tf.image.resizeBilinear(signed, [height, width], true);
  });
}

import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { type AxisMap, applyAxisMap } from './axis-map.js';

// Gaussian and Laplacian pyramids (Burt & Adelson 1983) for any H and W. Each level blurs with a
// separable kernel (binomial [1 4 6 4 1] / 16 by default) and keeps every other sample, so a side of
// n becomes ceil(n / 2); borders reflect (without repeating the edge sample). Expansion is the
// transposed idea: zeros between the coarse samples, blur with twice the kernel, crop to the finer
// size (reflecting the zero-filled signal at its ends). The Laplacian band is the level minus the
// expansion of the next, so reconstruction adds them back exactly (to float32 rounding). Both steps
// are polyphase maps along each axis (see axis-map.ts), so no multiply is spent on inserted zeros.

export interface GaussianPyramidOptions {
  /** Number of levels including the input (default: until the shorter side would drop below 2). */
  levels?: number;
  /** Separable 1-D blur kernel, odd length, summing to 1 (default binomial 5-tap). */
  kernel?: number[];
}

export interface LaplacianPyramid {
  /** Band-pass levels, finest first: band_0 has the input's size. */
  bands: tf.Tensor[];
  /** The coarsest Gaussian level. */
  residual: tf.Tensor;
  kernel: number[];
}

export const BINOMIAL_5 = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

function checkKernel(kernel: number[]) {
  if (kernel.length % 2 === 0 || kernel.length < 1)
    throw new InvalidArgumentError(`pyramid kernel must have odd length, got ${kernel.length}`);
  const sum = kernel.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new InvalidArgumentError(`pyramid kernel must sum to 1, sums to ${sum}`);
}

function to4d(x: tf.Tensor, what: string): tf.Tensor4D {
  if (x.rank === 3) return tf.expandDims(x, 0) as tf.Tensor4D;
  if (x.rank === 4) return x as tf.Tensor4D;
  throw new InvalidImageError(`${what}: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
}

/** Blur-and-keep-every-other-sample along an axis of length n: out[i] = sum_t k[t] x[2i + t - r], reflected. */
function reduceMap(n: number, kernel: number[]): AxisMap {
  const r = (kernel.length - 1) / 2;
  const rows = Math.ceil(n / 2);
  const taps = kernel.length;
  const weights = new Float32Array(rows * taps);
  for (let i = 0; i < rows; i++) for (let t = 0; t < taps; t++) weights[i * taps + t] = kernel[t];
  const starts = Int32Array.from({ length: rows }, (_, i) => 2 * i - r);
  return { size: n, rows, taps, starts, weights, boundary: 'reflect' };
}

/**
 * Expansion along an axis from n coarse samples to `out` (2n - 1 or 2n) fine ones: the zero-filled
 * signal u (u[2i] = x[i]) reflected at its ends and blurred with 2k. Reflecting u at its last sample
 * is reflecting x when `out` is odd (u ends on a sample) and repeating x's last sample when it is
 * even (u ends on an inserted zero), so the map reads x with those boundaries.
 */
function expandMap(n: number, out: number, kernel: number[]): AxisMap {
  const r = (kernel.length - 1) / 2;
  const taps = r + 1;
  const starts = new Int32Array(out);
  const weights = new Float32Array(out * taps);
  for (let j = 0; j < out; j++) {
    const start = Math.ceil((j - r) / 2);
    starts[j] = start;
    for (let t = 0; t < taps; t++) weights[j * taps + t] = 2 * (kernel[2 * (start + t) - j + r] ?? 0);
  }
  return {
    size: n,
    rows: out,
    taps,
    starts,
    weights,
    boundary: 'reflect',
    rightBoundary: out % 2 ? 'reflect' : 'symmetric',
  };
}

/** One reduction step: blur and subsample both axes. */
function reduce(x: tf.Tensor4D, kernel: number[]): tf.Tensor4D {
  const [, h, w] = x.shape;
  return applyAxisMap(applyAxisMap(x, reduceMap(h, kernel), 1), reduceMap(w, kernel), 2);
}

/** One expansion step: [h, w] -> [height, width] (the finer level's size). */
function expand(x: tf.Tensor4D, height: number, width: number, kernel: number[]): tf.Tensor4D {
  const [, h, w] = x.shape;
  return applyAxisMap(applyAxisMap(x, expandMap(h, height, kernel), 1), expandMap(w, width, kernel), 2);
}

/** Gaussian pyramid, finest (the input) first. */
export function gaussianPyramid(x: tf.Tensor, options: GaussianPyramidOptions = {}): tf.Tensor[] {
  const kernel = options.kernel ?? BINOMIAL_5;
  checkKernel(kernel);
  const rank = x.rank;
  const h = x.shape[rank - 3];
  const w = x.shape[rank - 2];
  const max = 1 + Math.floor(Math.log2(Math.min(h, w)));
  const levels = options.levels ?? max;
  if (!Number.isInteger(levels) || levels < 1 || levels > max) {
    throw new InvalidArgumentError(
      `gaussianPyramid: levels must be an integer in 1..${max} for a ${h}x${w} image, got ${levels}`,
    );
  }
  const out: tf.Tensor[] = [tf.clone(x)];
  let current = to4d(x, 'gaussianPyramid');
  for (let l = 1; l < levels; l++) {
    const next = tf.tidy(() => reduce(current, kernel));
    if (rank === 3 && current !== x) current.dispose(); // a 4-D working copy; 4-D levels belong to the result
    out.push(rank === 3 ? tf.tidy(() => tf.squeeze(next, [0])) : next);
    current = next;
  }
  // With 3-D input the 4-D working copies are not part of the result.
  if (rank === 3 && current !== x) current.dispose();
  return out;
}

/** Laplacian pyramid: band-pass levels (finest first) and the coarsest Gaussian level. */
export function laplacianPyramid(x: tf.Tensor, options: GaussianPyramidOptions = {}): LaplacianPyramid {
  const kernel = options.kernel ?? BINOMIAL_5;
  const gaussian = gaussianPyramid(x, options);
  const bands = tf.tidy(() =>
    gaussian.slice(0, -1).map((level, i) => {
      const fine = to4d(level, 'laplacianPyramid');
      const coarse = to4d(gaussian[i + 1], 'laplacianPyramid');
      const band = tf.sub(fine, expand(coarse, fine.shape[1], fine.shape[2], kernel));
      return x.rank === 3 ? tf.squeeze(band, [0]) : band;
    }),
  );
  const residual = gaussian[gaussian.length - 1];
  tf.dispose(gaussian.slice(0, -1));
  return { bands, residual, kernel };
}

/** Rebuilds the image from a Laplacian pyramid (equal to the input to float32 precision). */
export function reconstructLaplacian(pyramid: LaplacianPyramid): tf.Tensor {
  const { bands, residual, kernel } = pyramid;
  return tf.tidy(() => {
    let current = to4d(residual, 'reconstructLaplacian');
    for (let i = bands.length - 1; i >= 0; i--) {
      const band = to4d(bands[i], 'reconstructLaplacian');
      current = tf.add(band, expand(current, band.shape[1], band.shape[2], kernel)) as tf.Tensor4D;
    }
    return residual.rank === 3 ? tf.squeeze(current, [0]) : current;
  });
}

import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';

// Gaussian and Laplacian pyramids (Burt & Adelson 1983) for any H and W. Each level blurs with a
// separable kernel (binomial [1 4 6 4 1] / 16 by default) and keeps every other sample, so a side of
// n becomes ceil(n / 2); borders reflect (without repeating the edge). Expansion inserts zeros, blurs
// with twice the kernel and crops to the finer size. The Laplacian band is the level minus the
// expansion of the next, so reconstruction adds them back exactly (to float32 rounding).

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

/** Blurs with the separable kernel (reflect padding), then optionally keeps every `stride`-th sample. */
function blur(x: tf.Tensor4D, kernel: number[], stride: number): tf.Tensor4D {
  const r = (kernel.length - 1) / 2;
  const c = x.shape[3];
  const [, h, w] = x.shape;
  // Reflect padding needs r < side; fall back to symmetric for tiny sides.
  const mode = h > r && w > r ? 'reflect' : 'symmetric';
  const padded = tf.mirrorPad(
    x,
    [
      [0, 0],
      [r, r],
      [r, r],
      [0, 0],
    ],
    mode,
  );
  const col = tf.tile(tf.reshape(tf.tensor1d(kernel), [kernel.length, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  const row = tf.tile(tf.reshape(tf.tensor1d(kernel), [1, kernel.length, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  const vertical = tf.depthwiseConv2d(padded, col, [stride, 1], 'valid');
  return tf.depthwiseConv2d(vertical, row, [1, stride], 'valid');
}

/** One expansion step: [h, w] -> [height, width] (the finer level's size). */
function expand(x: tf.Tensor4D, height: number, width: number, kernel: number[]): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  // Zeros between samples: [h, w] -> [2h, 2w], then crop to the finer size.
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, 1],
    [0, 0],
    [0, 1],
    [0, 0],
  ]);
  const up = tf.slice(tf.reshape(spread, [n, 2 * h, 2 * w, c]), [0, 0, 0, 0], [n, height, width, c]);
  return tf.mul(blur(up as tf.Tensor4D, kernel, 1), 4);
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
    const next = tf.tidy(() => blur(current, kernel, 2));
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

import { InvalidArgumentError, InvalidImageError, rng, tf } from '@scalespace/core';
import { resize } from '@scalespace/pyramids';
import { harmonicFill } from './harmonic-fill.js';

/**
 * A linear measurement m = A x of images x [N, H, W, C] (Kadkhodaie & Simoncelli 2021): what the prior in a
 * denoiser is combined with to solve a linear inverse problem. Measurements are tensors [N, h, w, c] too (a
 * low-resolution image, a masked or blurred image, masked coefficients). The solver needs `project` and
 * `pseudoInverse`; for an A with orthonormal rows they are A^T A and A^T.
 */
export interface LinearOperator {
  /** What it measures, for reports: 'block average x4', 'mask', ... */
  readonly name: string;
  /** [H, W, C] of the images it measures. */
  readonly imageShape: [number, number, number];
  /** [h, w, c] of one measurement. */
  readonly measurementShape: [number, number, number];
  /** The number of independent measurements per image (the rank of A). */
  readonly measurements: number;
  /** A x. */
  forward(x: tf.Tensor4D): tf.Tensor4D;
  /** A^T m (the adjoint: <A x, m> = <x, A^T m>). */
  transpose(m: tf.Tensor4D): tf.Tensor4D;
  /** A^+ m: the least-norm image with these measurements. */
  pseudoInverse(m: tf.Tensor4D): tf.Tensor4D;
  /** A^+ A x: the orthogonal projection onto the measured subspace. */
  project(x: tf.Tensor4D): tf.Tensor4D;
  /** A classic estimate from the measurement, the baseline to beat (bicubic, harmonic fill, Wiener, A^+ m). */
  classic(m: tf.Tensor4D): Promise<tf.Tensor4D>;
  /**
   * The image's block averages of `factor` x `factor` when the measurement is exactly them (block-average
   * super-resolution): a multi-scale model then runs Algorithm 2 from this low-pass band.
   */
  readonly blockAverageFactor?: number;
  /** A projection for the solver to use instead of the orthogonal A^+ A (see `SolverProjection`). */
  readonly solverProjection?: SolverProjection;
  /** Frees the operator's tensors. */
  dispose(): void;
}

/**
 * An oblique projection Q onto the images with given measurements (A Q = A, Q Q = Q) that the solver uses in
 * place of A^+ A, with `lift(m)` the image Q assigns a measurement. The random-pixels operator's is the
 * harmonic interpolation of the known pixels (Q = H A, lift = H): the iterates then pass smoothly through the
 * known pixels instead of carrying them as isolated dots, which a denoiser removes as noise.
 */
export interface SolverProjection {
  project(y: tf.Tensor4D): Promise<tf.Tensor4D>;
  lift(m: tf.Tensor4D): Promise<tf.Tensor4D>;
}

export function checkImageShape(shape: number[], what: string): [number, number, number] {
  const ok = shape.length === 3 && shape.every((d) => Number.isInteger(d) && d > 0);
  if (!ok)
    throw new InvalidArgumentError(`${what}: image shape must be [H, W, C] of positive integers, got [${shape}]`);
  return shape as [number, number, number];
}

/** Throws unless `factor` is an integer >= 2 that divides both sides of an h x w image. */
export function checkFactor(h: number, w: number, factor: number): void {
  if (!Number.isInteger(factor) || factor < 2) {
    throw new InvalidArgumentError(`super-resolution factor must be an integer >= 2, got ${factor}`);
  }
  if (h % factor !== 0 || w % factor !== 0) {
    const fit = `${Math.floor(h / factor) * factor}x${Math.floor(w / factor) * factor}`;
    throw new InvalidImageError(
      `super-resolution factor ${factor} does not divide the image size ${h}x${w}; crop it to ${fit} or pick another factor`,
    );
  }
}

/**
 * Block-average super-resolution by `factor`: m is the image of `factor` x `factor` block means (the Haar
 * low-pass band of level log2(factor) for powers of 2), A A^T = I / factor^2. Baseline: bicubic upsampling.
 */
export function blockAverageOperator(imageShape: number[], factor: number): LinearOperator {
  const [h, w, c] = checkImageShape(imageShape, 'block-average operator');
  checkFactor(h, w, factor);
  const up = (m: tf.Tensor4D) => tf.image.resizeNearestNeighbor(m, [h, w]) as tf.Tensor4D;
  const forward = (x: tf.Tensor4D) => tf.avgPool(x, factor, factor, 'valid') as tf.Tensor4D;
  return {
    name: `block average x${factor}`,
    imageShape: [h, w, c],
    measurementShape: [h / factor, w / factor, c],
    measurements: (h / factor) * (w / factor) * c,
    blockAverageFactor: factor,
    forward,
    transpose: (m) => tf.tidy(() => tf.div(up(m), factor * factor)),
    pseudoInverse: up,
    project: (x) => tf.tidy(() => up(forward(x))),
    classic: async (m) =>
      tf.tidy(() => resize(m, { height: h, width: w, method: 'bicubic', antialias: false }) as tf.Tensor4D),
    dispose: () => {},
  };
}

export interface MaskOperatorOptions {
  /**
   * The solver's projection: 'orthogonal' (A^+ A, the paper's; default) or 'harmonic' (the harmonic fill of the
   * known pixels, see `SolverProjection`; the default of `randomPixelsOperator`).
   */
  projection?: 'orthogonal' | 'harmonic';
}

/**
 * Keeps the pixels where `known` is non-zero ([H, W], [H, W, 1] or [H, W, C]; a pixel of an [H, W] mask is
 * known in every channel): inpainting (known = outside the hole) and random missing pixels. A = A^T = A^+ =
 * the mask. Baseline: the harmonic (membrane) fill of the unknown pixels from the known ones.
 */
export async function maskOperator(
  known: tf.Tensor,
  channels: number,
  name = 'mask',
  options: MaskOperatorOptions = {},
): Promise<LinearOperator> {
  const { projection = 'orthogonal' } = options;
  if (projection !== 'orthogonal' && projection !== 'harmonic') {
    throw new InvalidArgumentError(`${name}: projection must be 'orthogonal' or 'harmonic', got ${projection}`);
  }
  if (known.rank !== 2 && known.rank !== 3) {
    throw new InvalidImageError(`${name}: the mask must be [H, W] or [H, W, C], got [${known.shape}]`);
  }
  const [h, w] = known.shape;
  const mc = known.rank === 3 ? known.shape[2] : 1;
  if (mc !== 1 && mc !== channels) {
    throw new InvalidImageError(`${name}: the mask has ${mc} channels, the images ${channels}; give a 1-channel mask`);
  }
  const mask = tf.tidy(() => {
    const m = tf.cast(tf.notEqual(known, 0), 'float32');
    const m3 = m.rank === 2 ? tf.expandDims(m, 2) : m;
    return tf.expandDims(mc === 1 ? tf.tile(m3, [1, 1, channels]) : m3, 0) as tf.Tensor4D;
  });
  const keep = await mask.data<'float32'>();
  const count = keep.reduce((s, v) => s + v, 0);
  const total = h * w * channels;
  if (count === 0 || count === total) {
    mask.dispose();
    throw new InvalidImageError(
      count === 0
        ? `${name}: no pixel is known (the mask keeps nothing); mark the pixels to keep`
        : `${name}: every pixel is known (nothing is missing); mark the pixels to fill`,
    );
  }
  const apply = (x: tf.Tensor4D) => tf.mul(x, mask) as tf.Tensor4D;
  const fill = async (m: tf.Tensor4D) => {
    const [n] = m.shape;
    const values = await m.data();
    const filled = new Float32Array(values.length);
    const plane = h * w * channels;
    for (let i = 0; i < n; i++) {
      filled.set(harmonicFill(values.subarray(i * plane, (i + 1) * plane), keep, h, w, channels), i * plane);
    }
    return tf.tensor4d(filled, [n, h, w, channels]);
  };
  // The fill reads only the known pixels, so fill(y) is already H A y: no masking first.
  const harmonic: SolverProjection = { project: fill, lift: fill };
  return {
    name,
    imageShape: [h, w, channels],
    measurementShape: [h, w, channels],
    measurements: count,
    forward: apply,
    transpose: apply,
    pseudoInverse: apply,
    project: apply,
    classic: fill,
    ...(projection === 'harmonic' && { solverProjection: harmonic }),
    dispose: () => mask.dispose(),
  };
}

/**
 * Random missing pixels: keeps a fraction `keep` of the pixels (all channels of each), drawn with `seed`. The
 * solver uses the harmonic projection by default: with the paper's orthogonal one, the face-trained priors
 * fall 0.6-1.0 dB below the harmonic fill at 10% kept (denoisers README).
 */
export async function randomPixelsOperator(
  imageShape: number[],
  keep: number,
  options: { seed?: number | string } & MaskOperatorOptions = {},
): Promise<LinearOperator> {
  const [h, w, c] = checkImageShape(imageShape, 'random-pixels operator');
  if (!(keep > 0 && keep < 1)) throw new InvalidArgumentError(`keep must be a fraction in (0, 1), got ${keep}`);
  const r = rng(options.seed ?? 0);
  const values = new Float32Array(h * w);
  for (let i = 0; i < values.length; i++) values[i] = r.uniform() < keep ? 1 : 0;
  const known = tf.tensor2d(values, [h, w]);
  try {
    return await maskOperator(known, c, `random pixels (keep ${keep})`, {
      projection: options.projection ?? 'harmonic',
    });
  } finally {
    known.dispose();
  }
}

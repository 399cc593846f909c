// Operators diagonal in a separable orthonormal basis B = B_H (x) B_W (coefficients C = B_H^T X B_W per channel):
// Gaussian deblurring (the real Fourier basis, where a circular blur is diagonal) and compressive sensing with
// random projections (random orthogonal B_H, B_W, a random subset of the coefficients measured). Each axis is a
// dense matrix product, so nothing of size (H W)^2 is ever built.
import { InvalidArgumentError, rng, tf } from '@scalespace/core';
import { checkImageShape, type LinearOperator } from './linear-operators.js';

/** B_L^T X B_R for every image and channel of x [N, H, W, C] (B_L: [H, H], B_R: [W, W]). */
function sandwich(x: tf.Tensor4D, left: tf.Tensor2D, right: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const rows = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * c * h, w]);
    const xr = tf.matMul(rows, right); // X B_R, row by row
    const columns = tf.reshape(tf.transpose(tf.reshape(xr, [n * c, h, w]), [0, 2, 1]), [n * c * w, h]);
    const out = tf.matMul(columns, left); // (X B_R)^T B_L = (B_L^T X B_R)^T
    return tf.transpose(tf.reshape(out, [n, c, w, h]), [0, 3, 2, 1]) as tf.Tensor4D;
  });
}

/** The orthonormal real Fourier basis of length n as columns (row i, column k at i * n + k) and each column's frequency. */
function realFourierBasis(n: number): { basis: Float32Array; frequency: number[] } {
  const basis = new Float32Array(n * n);
  const frequency: number[] = [];
  const column = (k: number, f: number, value: (i: number) => number) => {
    for (let i = 0; i < n; i++) basis[i * n + k] = value(i);
    frequency.push(f);
  };
  column(0, 0, () => 1 / Math.sqrt(n));
  for (let f = 1; 2 * f < n; f++) {
    column(frequency.length, f, (i) => Math.sqrt(2 / n) * Math.cos((2 * Math.PI * f * i) / n));
    column(frequency.length, f, (i) => Math.sqrt(2 / n) * Math.sin((2 * Math.PI * f * i) / n));
  }
  if (n % 2 === 0) column(n - 1, n / 2, (i) => (i % 2 === 0 ? 1 : -1) / Math.sqrt(n));
  return { basis, frequency };
}

/** Eigenvalue of the circular blur by a sampled Gaussian of std `sigma` (normalised to sum 1) at frequency f. */
function gaussianGain(n: number, sigma: number, f: number): number {
  let sum = 0;
  let gain = 0;
  const reach = Math.min(Math.floor(n / 2), Math.ceil(6 * sigma));
  for (let d = -reach; d <= reach; d++) {
    if (2 * d === -n) continue; // the wrap-around tap is counted once (at +n/2)
    const g = Math.exp(-(d * d) / (2 * sigma * sigma));
    sum += g;
    gain += g * Math.cos((2 * Math.PI * f * d) / n);
  }
  return gain / sum;
}

interface Diagonal {
  left: tf.Tensor2D;
  right: tf.Tensor2D;
  /** Per coefficient [1, H, W, 1] (or [1, H, W, C]): what A multiplies it by. */
  gain: tf.Tensor4D;
}

/** forward, transpose, pseudoInverse and project of A = B diag(gain) B^T (or S B^T for coefficient outputs). */
function diagonalOperator(d: Diagonal, measuredOutput: 'image' | 'coefficients', threshold: number) {
  const toCoefficients = (x: tf.Tensor4D) => sandwich(x, d.left, d.right);
  const leftT = tf.transpose(d.left) as tf.Tensor2D;
  const rightT = tf.transpose(d.right) as tf.Tensor2D;
  const toImage = (c: tf.Tensor4D) => sandwich(c, leftT, rightT);
  const measured = tf.tidy(() => tf.cast(tf.greater(tf.abs(d.gain), threshold), 'float32')) as tf.Tensor4D;
  const inverseGain = tf.tidy(() => tf.div(measured, tf.add(d.gain, tf.sub(1, measured)))) as tf.Tensor4D;
  const inImage = measuredOutput === 'image';
  return {
    forward: (x: tf.Tensor4D) =>
      tf.tidy(() => {
        const c = tf.mul(toCoefficients(x), d.gain) as tf.Tensor4D;
        return inImage ? toImage(c) : c;
      }),
    transpose: (m: tf.Tensor4D) =>
      tf.tidy(() => toImage(tf.mul(inImage ? toCoefficients(m) : m, d.gain) as tf.Tensor4D)),
    pseudoInverse: (m: tf.Tensor4D) =>
      tf.tidy(() => toImage(tf.mul(inImage ? toCoefficients(m) : m, inverseGain) as tf.Tensor4D)),
    project: (x: tf.Tensor4D) => tf.tidy(() => toImage(tf.mul(toCoefficients(x), measured) as tf.Tensor4D)),
    /** Coefficient-wise Wiener filter gain / (gain^2 + nsr) applied to an image-domain measurement. */
    wiener: (m: tf.Tensor4D, nsr: number) =>
      tf.tidy(() => {
        const filter = tf.div(d.gain, tf.add(tf.square(d.gain), nsr));
        return toImage(tf.mul(toCoefficients(m), filter) as tf.Tensor4D);
      }),
    measuredCount: async () => (await measured.data<'float32'>()).reduce((s, v) => s + v, 0),
    dispose: () => tf.dispose([d.left, d.right, d.gain, leftT, rightT, measured, inverseGain]),
  };
}

export interface GaussianBlurOptions {
  /**
   * Coefficients whose gain is at most this count as lost: the pseudo-inverse and the projection use the others
   * (default 1e-3, so measurement errors are amplified at most 1000 times).
   */
  threshold?: number;
  /** Noise-to-signal power ratio of the Wiener baseline (default 1e-4). */
  wienerNsr?: number;
}

/**
 * Gaussian deblurring: A = circular convolution with a sampled Gaussian of std `sigma` pixels, diagonal in the
 * real Fourier basis. Frequencies it attenuates below `threshold` are the unknowns; the prior fills them.
 * Baseline: Wiener deconvolution.
 */
export async function gaussianBlurOperator(
  imageShape: number[],
  sigma: number,
  options: GaussianBlurOptions = {},
): Promise<LinearOperator> {
  const [h, w, c] = checkImageShape(imageShape, 'Gaussian blur operator');
  if (!(sigma > 0 && sigma <= Math.min(h, w) / 4)) {
    throw new InvalidArgumentError(
      `blur sigma must be in (0, ${Math.min(h, w) / 4}] pixels for ${h}x${w}, got ${sigma}`,
    );
  }
  const { threshold = 1e-3, wienerNsr = 1e-4 } = options;
  const axes = [h, w].map((n) => {
    const { basis, frequency } = realFourierBasis(n);
    return { basis: tf.tensor2d(basis, [n, n]), gains: frequency.map((f) => gaussianGain(n, sigma, f)) };
  });
  const gain = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) gain[i * w + j] = axes[0].gains[i] * axes[1].gains[j];
  const op = diagonalOperator(
    { left: axes[0].basis, right: axes[1].basis, gain: tf.tensor4d(gain, [1, h, w, 1]) },
    'image',
    threshold,
  );
  return {
    name: `Gaussian blur (sigma ${sigma})`,
    imageShape: [h, w, c],
    measurementShape: [h, w, c],
    measurements: (await op.measuredCount()) * c,
    forward: op.forward,
    transpose: op.transpose,
    pseudoInverse: op.pseudoInverse,
    project: op.project,
    classic: async (m) => op.wiener(m, wienerNsr),
    dispose: op.dispose,
  };
}

/** A random n x n orthogonal matrix: Gram-Schmidt on Gaussian columns (in double precision). */
function randomOrthogonal(n: number, draw: () => number): Float32Array {
  const q = Array.from({ length: n }, () => Float64Array.from({ length: n }, draw));
  for (let k = 0; k < n; k++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[k][i] * q[j][i];
        for (let i = 0; i < n; i++) q[k][i] -= dot * q[j][i];
      }
    }
    const norm = Math.hypot(...q[k]);
    for (let i = 0; i < n; i++) q[k][i] /= norm;
  }
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) out[i * n + k] = q[k][i];
  return out;
}

/**
 * Compressive sensing with random projections: a fraction `keep` of the coefficients of x in a random orthonormal
 * basis Q_H (x) Q_W (random orthogonal matrices per axis, drawn with `seed`), one set per channel. The rows are
 * orthonormal, so A^+ = A^T. The measurement is the coefficient array with the unmeasured ones zero.
 * Baseline: the pseudo-inverse A^+ m (the least-norm image).
 */
export function randomProjectionOperator(
  imageShape: number[],
  keep: number,
  options: { seed?: number | string } = {},
): LinearOperator {
  const [h, w, c] = checkImageShape(imageShape, 'random-projection operator');
  if (!(keep > 0 && keep < 1)) throw new InvalidArgumentError(`keep must be a fraction in (0, 1), got ${keep}`);
  const r = rng(options.seed ?? 0);
  const normal = () => r.normal();
  const left = tf.tensor2d(randomOrthogonal(h, normal), [h, h]);
  const right = tf.tensor2d(randomOrthogonal(w, normal), [w, w]);
  const chosen = new Float32Array(h * w * c);
  for (let i = 0; i < chosen.length; i++) chosen[i] = r.uniform() < keep ? 1 : 0;
  const op = diagonalOperator({ left, right, gain: tf.tensor4d(chosen, [1, h, w, c]) }, 'coefficients', 0.5);
  return {
    name: `random projections (keep ${keep})`,
    imageShape: [h, w, c],
    measurementShape: [h, w, c],
    measurements: chosen.reduce((s, v) => s + v, 0),
    forward: op.forward,
    transpose: op.transpose,
    pseudoInverse: op.pseudoInverse,
    project: op.project,
    classic: async (m) => op.pseudoInverse(m),
    dispose: op.dispose,
  };
}

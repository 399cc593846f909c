import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { resize, resizeMatrix } from '@scalespace/pyramids';
import { checkFactor, checkImageShape, type LinearOperator } from './linear-operators.js';

/** Inverse of a small square matrix (row-major) by Gauss-Jordan elimination with partial pivoting. */
function invert(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
    if (Math.abs(m[pivot * n + col]) < 1e-12) throw new InvalidArgumentError('resize operator: A A^T is singular');
    for (const t of [m, inv]) {
      for (let k = 0; k < n; k++) [t[col * n + k], t[pivot * n + k]] = [t[pivot * n + k], t[col * n + k]];
    }
    const d = m[col * n + col];
    for (let k = 0; k < n; k++) {
      m[col * n + k] /= d;
      inv[col * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      const f = m[r * n + col];
      if (r === col || f === 0) continue;
      for (let k = 0; k < n; k++) {
        m[r * n + k] -= f * m[col * n + k];
        inv[r * n + k] -= f * inv[col * n + k];
      }
    }
  }
  return inv;
}

/** One axis of a separable operator: A [out x in], A^T, and the pseudo-inverse A^T (A A^T)^-1 [in x out]. */
function axisMatrices(inSize: number, outSize: number): { a: tf.Tensor2D; at: tf.Tensor2D; pinv: tf.Tensor2D } {
  const a = resizeMatrix(inSize, outSize, outSize / inSize, 'bicubic', true);
  const gram = new Float64Array(outSize * outSize);
  for (let i = 0; i < outSize; i++) {
    for (let j = 0; j < outSize; j++) {
      let s = 0;
      for (let k = 0; k < inSize; k++) s += a[i * inSize + k] * a[j * inSize + k];
      gram[i * outSize + j] = s;
    }
  }
  const gramInv = invert(gram, outSize);
  const pinv = new Float32Array(inSize * outSize);
  for (let k = 0; k < inSize; k++) {
    for (let j = 0; j < outSize; j++) {
      let s = 0;
      for (let i = 0; i < outSize; i++) s += a[i * inSize + k] * gramInv[i * outSize + j];
      pinv[k * outSize + j] = s;
    }
  }
  return tf.tidy(() => {
    const matrix = tf.tensor2d(a, [outSize, inSize]);
    return { a: matrix, at: tf.transpose(matrix), pinv: tf.tensor2d(pinv, [inSize, outSize]) };
  });
}

/** Applies `matrix` [out x in] along axis 1 (rows) or 2 (columns) of x [N, H, W, C]. */
function alongAxis(x: tf.Tensor4D, matrix: tf.Tensor2D, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    // Moves the axis last, and back: [0, 2, 3, 1] is undone by [0, 3, 1, 2]; [0, 1, 3, 2] undoes itself.
    const [perm, back] =
      axis === 1
        ? [
            [0, 2, 3, 1],
            [0, 3, 1, 2],
          ]
        : [
            [0, 1, 3, 2],
            [0, 1, 3, 2],
          ];
    const moved = tf.transpose(x, perm);
    const [a, b, c, size] = moved.shape;
    if (size !== matrix.shape[1]) {
      throw new InvalidImageError(`resize operator: axis ${axis} has ${size} pixels, the operator ${matrix.shape[1]}`);
    }
    const out = tf.matMul(tf.reshape(moved, [a * b * c, size]), matrix, false, true);
    return tf.transpose(tf.reshape(out, [a, b, c, matrix.shape[0]]), back) as tf.Tensor4D;
  });
}

/**
 * MATLAB-style bicubic downsampling by `factor` (antialiased `imresize`, the degradation super-resolution
 * benchmarks use) as a linear operator: separable, A = A_h (x) A_w. Its rows are not orthonormal, so the
 * solver's pseudo-inverse and projection use A^T (A A^T)^-1 per axis. Baseline: bicubic upsampling.
 */
export function bicubicDownsampleOperator(imageShape: number[], factor: number): LinearOperator {
  const [h, w, c] = checkImageShape(imageShape, 'bicubic operator');
  checkFactor(h, w, factor);
  const rows = axisMatrices(h, h / factor);
  const cols = h === w ? rows : axisMatrices(w, w / factor);
  const both = (x: tf.Tensor4D, pick: (m: typeof rows) => tf.Tensor2D) =>
    tf.tidy(() => alongAxis(alongAxis(x, pick(rows), 1), pick(cols), 2));
  const forward = (x: tf.Tensor4D) => both(x, (m) => m.a);
  const pseudoInverse = (m: tf.Tensor4D) => both(m, (t) => t.pinv);
  return {
    name: `bicubic x${factor}`,
    imageShape: [h, w, c],
    measurementShape: [h / factor, w / factor, c],
    measurements: (h / factor) * (w / factor) * c,
    forward,
    transpose: (m) => both(m, (t) => t.at),
    pseudoInverse,
    project: (x) => tf.tidy(() => pseudoInverse(forward(x))),
    classic: async (m) =>
      tf.tidy(() => resize(m, { height: h, width: w, method: 'bicubic', antialias: false }) as tf.Tensor4D),
    dispose: () => {
      tf.dispose([rows.a, rows.at, rows.pinv]);
      if (cols !== rows) tf.dispose([cols.a, cols.at, cols.pinv]);
    },
  };
}

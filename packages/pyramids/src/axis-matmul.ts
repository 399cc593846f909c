import { tf } from '@scalespace/core';

// The separable building block of wavelets and resampling: a linear map [rows x size] applied along
// axis 1 (H) or 2 (W) of an NHWC tensor. Those maps are banded (a few taps per output), so they run
// as a gather of the taps and a weighted sum, O(rows * taps) instead of a dense O(rows * size) product.
// The gradient is the transposed map, itself banded, applied the same way (a custom gradient: tfjs's
// own gather gradient needs a kernel the wasm backend lacks). Dense maps fall back to one matMul.

interface Banded {
  rows: number;
  size: number;
  taps: number;
  index: Int32Array;
  weight: Float32Array;
}

function band(matrix: Float32Array, rows: number, size: number): Banded {
  let taps = 1;
  for (let i = 0; i < rows; i++) {
    let count = 0;
    for (let j = 0; j < size; j++) if (matrix[i * size + j] !== 0) count++;
    taps = Math.max(taps, count);
  }
  const index = new Int32Array(rows * taps);
  const weight = new Float32Array(rows * taps);
  for (let i = 0; i < rows; i++) {
    let t = 0;
    for (let j = 0; j < size; j++) {
      const w = matrix[i * size + j];
      if (w !== 0) {
        index[i * taps + t] = j;
        weight[i * taps + t] = w;
        t++;
      }
    }
  }
  return { rows, size, taps, index, weight };
}

function transpose(matrix: Float32Array, rows: number, size: number): Float32Array {
  const out = new Float32Array(rows * size);
  for (let i = 0; i < rows; i++) for (let j = 0; j < size; j++) out[j * rows + i] = matrix[i * size + j];
  return out;
}

/** y = M x along `axis` with a banded M: gather the taps, weight them, sum. */
function gatherSum(x: tf.Tensor4D, b: Banded, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const gathered = tf.gather(x, tf.tensor1d(b.index, 'int32'), axis); // [.., rows * taps, ..]
    const shape = x.shape.slice();
    const withTaps = [...shape.slice(0, axis), b.rows, b.taps, ...shape.slice(axis + 1)];
    const weightShape = withTaps.map((d, i) => (i === axis || i === axis + 1 ? d : 1));
    const weighted = tf.mul(tf.reshape(gathered, withTaps), tf.reshape(tf.tensor1d(b.weight), weightShape));
    return tf.sum(weighted, axis + 1) as tf.Tensor4D;
  });
}

const cache = new WeakMap<Float32Array, { forward: Banded; backward: Banded } | null>();

function banded(matrix: Float32Array, rows: number, size: number) {
  let entry = cache.get(matrix);
  if (entry === undefined) {
    const forward = band(matrix, rows, size);
    // Only worth it when most of the matrix is zero.
    entry = forward.taps * 4 <= size ? { forward, backward: band(transpose(matrix, rows, size), size, rows) } : null;
    cache.set(matrix, entry);
  }
  return entry;
}

function dense(x: tf.Tensor4D, matrix: Float32Array, rows: number, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const size = axis === 1 ? h : w;
    const m = tf.tensor2d(matrix, [rows, size]);
    if (axis === 1) {
      const flat = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
      return tf.transpose(tf.reshape(tf.matMul(m, flat), [rows, n, w, c]), [1, 0, 2, 3]) as tf.Tensor4D;
    }
    const flat = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [n * h * c, w]);
    return tf.transpose(tf.reshape(tf.matMul(flat, m, false, true), [n, h, c, rows]), [0, 1, 3, 2]) as tf.Tensor4D;
  });
}

/** Applies the map `matrix` ([rows x size], row-major) along axis 1 (H) or 2 (W). Differentiable. */
export function alongAxis(x: tf.Tensor4D, matrix: Float32Array, rows: number, axis: 1 | 2): tf.Tensor4D {
  const size = x.shape[axis];
  const maps = banded(matrix, rows, size);
  if (!maps) return dense(x, matrix, rows, axis);
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: gatherSum(input as tf.Tensor4D, maps.forward, axis),
    gradFunc: (dy: tf.Tensor) => gatherSum(dy as tf.Tensor4D, maps.backward, axis),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor4D;
}

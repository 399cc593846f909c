import { tf } from '@scalespace/core';

// PRIVATE STAND-IN for @scalespace/pyramids' `resize` (being written concurrently): bicubic
// resampling with MATLAB imresize semantics (Keys kernel a = -0.5, kernel widened by 1/scale when
// shrinking, so downsampling is antialiased; symmetric boundary). SinGAN builds its pyramid and
// moves between scales with exactly this resampling. Each axis is one matrix product with a weight
// matrix computed on the host, so the op is differentiable and cheap at these sizes.

function cubic(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return 1.5 * a ** 3 - 2.5 * a ** 2 + 1;
  if (a < 2) return -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2;
  return 0;
}

function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  let k = i;
  const period = 2 * n;
  k = ((k % period) + period) % period;
  return k < n ? k : period - 1 - k;
}

const cache = new Map<string, Float32Array>();

/** The [outSize, inSize] row-stochastic matrix that resamples one axis. */
export function resampleMatrix(inSize: number, outSize: number): Float32Array {
  const key = `${inSize}:${outSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const scale = outSize / inSize;
  const shrink = scale < 1;
  const width = shrink ? 4 / scale : 4;
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) / scale - 0.5;
    const first = Math.floor(centre - width / 2);
    const taps = Math.ceil(width) + 2;
    let total = 0;
    const row: Array<[number, number]> = [];
    for (let t = 0; t < taps; t++) {
      const i = first + t;
      const d = centre - i;
      const w = shrink ? scale * cubic(d * scale) : cubic(d);
      if (w === 0) continue;
      row.push([reflectIndex(i, inSize), w]);
      total += w;
    }
    for (const [i, w] of row) m[o * inSize + i] += w / total;
  }
  if (cache.size > 256) cache.clear();
  cache.set(key, m);
  return m;
}

/**
 * Resizes NHWC images to [height, width] with antialiased bicubic resampling. Works on any
 * channel count and is differentiable (two matrix products).
 */
export function resizeBicubic(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h === height && w === width) return tf.clone(x);
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (h !== height) {
      const mh = tf.tensor2d(resampleMatrix(h, height), [height, h]);
      // [N, H, W, C] -> [H, N*W*C]
      const flat = tf.reshape(tf.transpose(y, [1, 0, 2, 3]), [h, n * w * c]);
      y = tf.transpose(tf.reshape(tf.matMul(mh, flat), [height, n, w, c]), [1, 0, 2, 3]);
    }
    if (w !== width) {
      const mw = tf.tensor2d(resampleMatrix(w, width), [width, w]);
      // [N, H', W, C] -> [W, N*H'*C]
      const flat = tf.reshape(tf.transpose(y, [2, 0, 1, 3]), [w, n * height * c]);
      y = tf.transpose(tf.reshape(tf.matMul(mw, flat), [width, n, height, c]), [1, 2, 0, 3]);
    }
    return y as tf.Tensor4D;
  });
}

import { InvalidArgumentError, InvalidImageError, rng, tf } from '@scalespace/core';
import { alongAxis } from './axis-matmul.js';
import { type ResizeMethod, resize } from './resize.js';

// The forward model of super-resolution experiments: y = (k * x) downsampled by s, plus noise.

export interface DegradeOptions {
  /** Integer downscaling factor s >= 1. */
  scale: number;
  /**
   * The blur-and-downsample operator: an imresize kernel (antialiased; 'bicubic' is the usual
   * choice and the default), or `{ gaussian: sigma }` for a Gaussian blur (sigma in input pixels)
   * followed by keeping every s-th pixel, starting at the first.
   */
  kernel?: ResizeMethod | { gaussian: number };
  /** Standard deviation of added Gaussian noise, in image units (0 = none). */
  noise?: number;
  /** Seed of the noise. */
  seed?: number;
}

/** Blur-then-subsample matrix [out x in] for one axis: mirror borders, kernel radius ceil(3 sigma). */
function gaussianDecimation(size: number, scale: number, sigma: number): { matrix: Float32Array; rows: number } {
  const rows = Math.ceil(size / scale);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const taps = Array.from({ length: 2 * radius + 1 }, (_, t) => Math.exp(-((t - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const matrix = new Float32Array(rows * size);
  const period = 2 * size;
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < taps.length; t++) {
      let j = i * scale + t - radius;
      j = ((j % period) + period) % period;
      if (j >= size) j = period - 1 - j;
      matrix[i * size + j] += taps[t] / total;
    }
  }
  return { matrix, rows };
}

/** Degrades [H, W, C] or [N, H, W, C] images: blur + downsample by `scale`, then optional noise. */
export function degrade(x: tf.Tensor, options: DegradeOptions): tf.Tensor {
  const { scale, kernel = 'bicubic', noise = 0, seed = 0 } = options;
  if (!Number.isInteger(scale) || scale < 1)
    throw new InvalidArgumentError(`degrade: scale must be an integer >= 1, got ${scale}`);
  if (!(noise >= 0)) throw new InvalidArgumentError(`degrade: noise must be >= 0, got ${noise}`);
  if (x.rank !== 3 && x.rank !== 4)
    throw new InvalidImageError(`degrade: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
  return tf.tidy(() => {
    let y: tf.Tensor;
    if (typeof kernel === 'string') {
      y = scale === 1 ? tf.clone(x) : resize(x, { scale: 1 / scale, method: kernel, antialias: true });
    } else {
      const sigma = kernel.gaussian;
      if (!(sigma > 0)) throw new InvalidArgumentError(`degrade: gaussian sigma must be > 0, got ${sigma}`);
      let b = (x.rank === 3 ? tf.expandDims(x, 0) : x) as tf.Tensor4D;
      const [, h, w] = b.shape;
      const rowsH = gaussianDecimation(h, scale, sigma);
      b = alongAxis(b, rowsH.matrix, rowsH.rows, 1);
      const rowsW = gaussianDecimation(w, scale, sigma);
      b = alongAxis(b, rowsW.matrix, rowsW.rows, 2);
      y = x.rank === 3 ? tf.squeeze(b, [0]) : b;
    }
    if (noise > 0) y = tf.add(y, rng(seed).normalTensor(y.shape, { std: noise }));
    return y;
  });
}

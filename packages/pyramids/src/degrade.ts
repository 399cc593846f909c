import { InvalidArgumentError, InvalidImageError, rng, tf } from '@scalespace/core';
import { type AxisMap, applyAxisMap } from './axis-map.js';
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

/** Blur-then-subsample along one axis: Gaussian taps of radius ceil(3 sigma), mirrored borders, every s-th sample. */
function gaussianDecimation(size: number, scale: number, sigma: number): AxisMap {
  const rows = Math.ceil(size / scale);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const taps = 2 * radius + 1;
  const kernel = Array.from({ length: taps }, (_, t) => Math.exp(-((t - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const starts = Int32Array.from({ length: rows }, (_, i) => i * scale - radius);
  const weights = new Float32Array(rows * taps);
  for (let i = 0; i < rows; i++) for (let t = 0; t < taps; t++) weights[i * taps + t] = kernel[t] / total;
  return { size, rows, taps, starts, weights, boundary: 'symmetric' };
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
      b = applyAxisMap(b, gaussianDecimation(h, scale, sigma), 1);
      b = applyAxisMap(b, gaussianDecimation(w, scale, sigma), 2);
      y = x.rank === 3 ? tf.squeeze(b, [0]) : b;
    }
    if (noise > 0) y = tf.add(y, rng(seed).normalTensor(y.shape, { std: noise }));
    return y;
  });
}

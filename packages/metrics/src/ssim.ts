import { InvalidArgumentError, tf } from '@scalespace/core';
import { rgbToY } from './color.js';
import { meanPerImage } from './host-mean.js';
import { checkDataRange, checkPair, checkValueRange } from './validate.js';

// SSIM of Wang, Bovik, Sheikh and Simoncelli (2004) exactly as their ssim_index.m and scikit-image's
// structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False) compute it:
// an 11x11 Gaussian window (sigma 1.5, normalised), local means, population variances and
// covariance, K1 = 0.01, K2 = 0.03, and the mean of the SSIM map over the positions where the window
// fits inside the image. Colour images: the mean over channels, or luma Y only (`channel: 'y'`).

export interface SsimOptions {
  /** 1 for [0, 1] images, 255 for 8-bit. Required. */
  dataRange: number;
  /** 'all' (default): mean over channels. 'y': BT.601 luma of RGB, as super-resolution papers report. */
  channel?: 'all' | 'y';
  /** Gaussian window sigma (default 1.5; window radius round(3.5 sigma)). */
  sigma?: number;
  k1?: number;
  k2?: number;
}

interface Prepared {
  x: tf.Tensor4D;
  y: tf.Tensor4D;
  c1: number;
  c2: number;
  window: number[];
}

export function gaussianWindow(sigma: number): number[] {
  const radius = Math.floor(3.5 * sigma + 0.5);
  const w = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** Validates and brings both images to [0, 1]-scaled float batches (SSIM is invariant to the joint scaling). */
export async function prepare(a: tf.Tensor, b: tf.Tensor, options: SsimOptions, what: string): Promise<Prepared> {
  const range = checkDataRange(options?.dataRange, what);
  const sigma = options.sigma ?? 1.5;
  if (!(sigma > 0)) throw new InvalidArgumentError(`${what}: sigma must be > 0, got ${sigma}`);
  const channel = options.channel ?? 'all';
  if (channel !== 'all' && channel !== 'y')
    throw new InvalidArgumentError(`${what}: channel must be 'all' or 'y', got "${channel}"`);
  const [x0, y0] = await checkPair(a, b, what);
  try {
    await checkValueRange(x0, range, what);
    await checkValueRange(y0, range, what);
  } catch (error) {
    tf.dispose([x0, y0]);
    throw error;
  }
  const [x, y] = tf.tidy(() => {
    let xs = tf.div(x0, range) as tf.Tensor4D;
    let ys = tf.div(y0, range) as tf.Tensor4D;
    if (channel === 'y') {
      xs = rgbToY(xs) as tf.Tensor4D;
      ys = rgbToY(ys) as tf.Tensor4D;
    }
    return [xs, ys];
  });
  tf.dispose([x0, y0]);
  const k1 = options.k1 ?? 0.01;
  const k2 = options.k2 ?? 0.03;
  return { x, y, c1: k1 * k1, c2: k2 * k2, window: gaussianWindow(sigma) };
}

/** Separable 'valid' filtering of every channel with the window. */
function filterValid(t: tf.Tensor4D, window: number[]): tf.Tensor4D {
  const c = t.shape[3];
  const k = window.length;
  const col = tf.tile(tf.reshape(tf.tensor1d(window), [k, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  const row = tf.tile(tf.reshape(tf.tensor1d(window), [1, k, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
  return tf.depthwiseConv2d(tf.depthwiseConv2d(t, col, 1, 'valid'), row, 1, 'valid');
}

/** The SSIM map and the contrast-structure map (both [N, H-2r, W-2r, C]). */
export function ssimMaps(p: Prepared): { ssim: tf.Tensor4D; cs: tf.Tensor4D } {
  const { x, y, c1, c2, window } = p;
  const [, h, w] = x.shape;
  if (h < window.length || w < window.length) {
    throw new InvalidArgumentError(
      `SSIM needs images of at least ${window.length}x${window.length} pixels, got ${h}x${w}`,
    );
  }
  return tf.tidy(() => {
    const c = x.shape[3];
    const stats = filterValid(tf.concat([x, y, tf.mul(x, x), tf.mul(y, y), tf.mul(x, y)], 3) as tf.Tensor4D, window);
    const [mx, my, mxx, myy, mxy] = tf.split(stats, [c, c, c, c, c], 3);
    const vx = tf.sub(mxx, tf.square(mx));
    const vy = tf.sub(myy, tf.square(my));
    const vxy = tf.sub(mxy, tf.mul(mx, my));
    const cs = tf.div(tf.add(tf.mul(vxy, 2), c2), tf.add(tf.add(vx, vy), c2));
    const luminance = tf.div(tf.add(tf.mul(tf.mul(mx, my), 2), c1), tf.add(tf.add(tf.square(mx), tf.square(my)), c1));
    return { ssim: tf.mul(luminance, cs) as tf.Tensor4D, cs: cs as tf.Tensor4D };
  });
}

/** SSIM of each image of a batch (mean over the valid window positions and channels). */
export async function ssimPerImage(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): Promise<number[]> {
  const p = await prepare(a, b, options, 'ssim');
  const { ssim: map, cs } = ssimMaps(p);
  tf.dispose([p.x, p.y, cs]);
  return meanPerImage(map).finally(() => map.dispose());
}

/** Structural similarity; for a batch, the mean over images. Identical images give exactly 1. */
export async function ssim(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): Promise<number> {
  const values = await ssimPerImage(a, b, options);
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** The SSIM map over the valid window positions: [H-10, W-10, C] (or batched), one value per pixel and channel. */
export async function ssimMap(a: tf.Tensor, b: tf.Tensor, options: SsimOptions): Promise<tf.Tensor> {
  const p = await prepare(a, b, options, 'ssimMap');
  const { ssim: map, cs } = ssimMaps(p);
  tf.dispose([p.x, p.y, cs]);
  if (a.rank === 4) return map;
  const out = tf.squeeze(map, [0]);
  map.dispose();
  return out;
}

import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { IsolationForest } from './isolation-forest.js';

// Clean-up of samples (PixelPyramids supplement, Algorithm 1): the cyclic shift of the paired pyramid
// can wrap values near 0 and 2^b - 1 into isolated wrong-coloured pixels. Describe each pixel by the
// histogram of hue (colour images, HSV) or intensity (grey) in its n x n neighbourhood, plus its own
// value and its distance to the neighbourhood median; score the descriptors with an Isolation Forest
// and replace the most anomalous (the `contamination` fraction) by a 7 x 7 median.

export interface CleanupOptions {
  /** Neighbourhood side for the histograms (default 5). */
  neighbourhood?: number;
  /** Histogram bins (default 8). */
  bins?: number;
  /** Median filter side (default 7). */
  median?: number;
  /** Fraction of pixels treated as outliers (default 0.01). */
  contamination?: number;
  seed?: number;
}

function hue(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return 0;
  const d = max - min;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return ((h * 60 + 360) % 360) / 360;
}

/** Median of each channel over a k x k window (edges clamp). */
export function medianFilter(values: Float32Array, h: number, w: number, c: number, k: number): Float32Array {
  const out = new Float32Array(values.length);
  const r = (k - 1) >> 1;
  const window: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        window.length = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = Math.min(h - 1, Math.max(0, y + dy));
          for (let dx = -r; dx <= r; dx++) {
            const xx = Math.min(w - 1, Math.max(0, x + dx));
            window.push(values[(yy * w + xx) * c + ch]);
          }
        }
        window.sort((a, b) => a - b);
        out[(y * w + x) * c + ch] = window[window.length >> 1];
      }
    }
  }
  return out;
}

/**
 * Cleans one image [H, W, C] (float in [0, 1]). Returns the cleaned image and the outlier mask
 * (1 where a pixel was replaced).
 */
export async function cleanSample(
  image: tf.Tensor3D,
  options: CleanupOptions = {},
): Promise<{ image: tf.Tensor3D; mask: tf.Tensor2D; outliers: number }> {
  const { neighbourhood = 5, bins = 8, median = 7, contamination = 0.01, seed = 0 } = options;
  if (image.rank !== 3) throw new InvalidImageError(`cleanSample: expected [H, W, C], got [${image.shape.join(', ')}]`);
  if (!(contamination > 0 && contamination < 0.5))
    throw new InvalidArgumentError(`cleanSample: contamination must be in (0, 0.5), got ${contamination}`);
  const [h, w, c] = image.shape;
  const values = (await image.data()) as Float32Array;
  const feature = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++)
    feature[i] = c >= 3 ? hue(values[i * c], values[i * c + 1], values[i * c + 2]) : values[i * c];
  const r = (neighbourhood - 1) >> 1;
  const descriptors: Float64Array[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const hist = new Float64Array(bins + 2);
      const around: number[] = [];
      for (let dy = -r; dy <= r; dy++) {
        const yy = Math.min(h - 1, Math.max(0, y + dy));
        for (let dx = -r; dx <= r; dx++) {
          const xx = Math.min(w - 1, Math.max(0, x + dx));
          const v = feature[yy * w + xx];
          hist[Math.min(bins - 1, Math.floor(v * bins))] += 1 / (neighbourhood * neighbourhood);
          around.push(v);
        }
      }
      // The pixel against its neighbourhood: its own value and its distance to the neighbourhood's
      // median (circular for hue). A lone wrapped pixel is far from a median it barely moves.
      around.sort((a, b) => a - b);
      const own = feature[y * w + x];
      const gap = Math.abs(own - around[around.length >> 1]);
      hist[bins] = own;
      hist[bins + 1] = c >= 3 ? Math.min(gap, 1 - gap) : gap;
      descriptors.push(hist);
    }
  }
  const scores = new IsolationForest(descriptors, { seed }).score(descriptors);
  const threshold = [...scores].sort((a, b) => b - a)[Math.max(0, Math.floor(contamination * scores.length) - 1)];
  const filtered = medianFilter(values, h, w, c, median);
  const cleaned = new Float32Array(values);
  const mask = new Float32Array(h * w);
  let outliers = 0;
  for (let i = 0; i < h * w; i++) {
    if (scores[i] >= threshold) {
      mask[i] = 1;
      outliers++;
      for (let ch = 0; ch < c; ch++) cleaned[i * c + ch] = filtered[i * c + ch];
    }
  }
  return { image: tf.tensor3d(cleaned, [h, w, c]), mask: tf.tensor2d(mask, [h, w]), outliers };
}

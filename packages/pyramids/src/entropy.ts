import { InvalidArgumentError, tf } from '@scalespace/core';
import { liftingPyramid } from './lifting.js';
import { disposePaired, pairedPyramid } from './paired-pyramid.js';

export interface LevelEntropy {
  name: string;
  shape: number[];
  /** Empirical entropy of the level's values over all images, in bits per value. */
  entropyBits: number;
}

export interface EntropyReport {
  /** Entropy of the raw pixel values. */
  raw: number;
  /** Finest level first, the coarse image last. */
  levels: LevelEntropy[];
}

/** Entropy in bits of the histogram of integer values. */
export function entropyBits(values: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  let h = 0;
  for (const count of counts.values()) {
    const p = count / values.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * The empirical entropy of each level of a lossless pyramid over a set of integer images
 * [N, H, W, C] (int32, 0..2^bits-1), next to that of the raw pixels: how much the decomposition
 * concentrates the values (PixelPyramids' Fig. 4 and 10).
 */
export function levelEntropy(
  images: tf.Tensor,
  options: { pyramid: 'paired' | 'lifting'; bits: number; coarsest?: number; levels?: number },
): EntropyReport {
  const raw = entropyBits(images.dataSync());
  if (options.pyramid === 'paired') {
    const p = pairedPyramid(images, { bits: options.bits, coarsest: options.coarsest, levels: options.levels });
    const levels = p.levels.map((l, i) => ({
      name: `fine_${i + 1}`,
      shape: l.fine.shape.slice(-3),
      entropyBits: entropyBits(l.fine.dataSync()),
    }));
    levels.push({ name: 'coarse', shape: p.coarse.shape.slice(-3), entropyBits: entropyBits(p.coarse.dataSync()) });
    disposePaired(p);
    return { raw, levels };
  }
  if (options.pyramid === 'lifting') {
    const p = liftingPyramid(images, { bits: options.bits, levels: options.levels ?? 2 });
    const levels = p.levels.map((l, i) => ({
      name: `fine_${i + 1}`,
      shape: l.shape.slice(-4),
      entropyBits: entropyBits(l.dataSync()),
    }));
    levels.push({ name: 'coarse', shape: p.coarse.shape.slice(-3), entropyBits: entropyBits(p.coarse.dataSync()) });
    tf.dispose([p.coarse, ...p.levels]);
    return { raw, levels };
  }
  throw new InvalidArgumentError(`levelEntropy: pyramid must be 'paired' or 'lifting', got "${options.pyramid}"`);
}

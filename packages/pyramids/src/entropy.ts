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
export async function levelEntropy(
  images: tf.Tensor,
  options: { pyramid: 'paired' | 'lifting'; bits: number; coarsest?: number; levels?: number },
): Promise<EntropyReport> {
  const of = async (name: string, t: tf.Tensor, rank: number) => ({
    name,
    shape: t.shape.slice(-rank),
    entropyBits: entropyBits(await t.data()),
  });
  const raw = entropyBits(await images.data());
  if (options.pyramid === 'paired') {
    const p = pairedPyramid(images, { bits: options.bits, coarsest: options.coarsest, levels: options.levels });
    try {
      const levels = await Promise.all(p.levels.map((l, i) => of(`fine_${i + 1}`, l.fine, 3)));
      levels.push(await of('coarse', p.coarse, 3));
      return { raw, levels };
    } finally {
      disposePaired(p);
    }
  }
  if (options.pyramid === 'lifting') {
    const p = await liftingPyramid(images, { bits: options.bits, levels: options.levels ?? 2 });
    try {
      const levels = await Promise.all(p.levels.map((l, i) => of(`fine_${i + 1}`, l, 4)));
      levels.push(await of('coarse', p.coarse, 3));
      return { raw, levels };
    } finally {
      tf.dispose([p.coarse, ...p.levels]);
    }
  }
  throw new InvalidArgumentError(`levelEntropy: pyramid must be 'paired' or 'lifting', got "${options.pyramid}"`);
}

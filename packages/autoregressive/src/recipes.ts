import { InvalidArgumentError } from '@scalespace/core';
import { pairedLevelSizes } from '@scalespace/pyramids';
import type { FineValues } from './conditional-level.js';
import type { AutoregressiveConfig } from './model-io.js';

// The architectures scalespace trains (the CLI, the benchmark and the shipped MNIST model use these):
// small enough for a CPU, same components as the papers. PixelPyramids: a 4x4 coarsest image (a
// PixelCNN++ of 16 steps) and 4 sub-images (k = 1) per level: 16 + 4 * levels sequential steps, 40 at
// 32x32. Level models see the fine rows' own values centred on the paired coarse values
// (ConditionalLevelConfig.values 'absolute'): on MNIST the finest level costs 0.46 bits/dim after 4
// minutes of training, against 0.57 for differences rotated by n/2 and 1.83 for them as stored (README).

export interface RecipeOptions {
  /** Side of the square images. */
  size: number;
  /** 1 grey, 3 RGB. */
  channels: number;
  /** Bits per value, 1..8. */
  bits: number;
  /** PixelPyramids: what the level models' mixtures model (default 'absolute'; see ConditionalLevelConfig). */
  values?: FineValues;
}

/** The model config for `kind` at a size, channel count and bit depth. */
export function recipeConfig(kind: 'pixelcnn' | 'pixelpyramids', options: RecipeOptions): AutoregressiveConfig {
  const { size, channels, bits, values = 'absolute' } = options;
  if (!Number.isInteger(size) || size < 2)
    throw new InvalidArgumentError(`recipeConfig: size must be an integer >= 2, got ${size}`);
  if (kind === 'pixelcnn') {
    return {
      kind,
      model: { height: size, width: size, channels, bits, filters: 32, resnets: 5, components: 5, dropout: 0 },
    };
  }
  if (kind !== 'pixelpyramids')
    throw new InvalidArgumentError(`recipeConfig: kind must be 'pixelcnn' or 'pixelpyramids', got "${kind}"`);
  // Sides must halve evenly down to the coarsest level; pairedLevelSizes says how to fix a size that does not.
  const coarsest = Math.min(4, size);
  pairedLevelSizes(size, size, { coarsest });
  return {
    kind,
    model: {
      height: size,
      width: size,
      channels,
      bits,
      components: 5,
      coarsest,
      coarseModel: { filters: 32, resnets: 3 },
      level: { filters: 32, blocks: 2, values },
      squeeze: 1,
    },
  };
}

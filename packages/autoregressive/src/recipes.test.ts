import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './model-io.js';
import type { PixelPyramids } from './pixel-pyramids.js';
import { recipeConfig } from './recipes.js';

describe('recipeConfig', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('gives PixelPyramids 16 + 4 * levels sequential steps: 40 / 48 / 56 at 32 / 64 / 128 px', () => {
    const steps = [32, 64, 128].map((size) => {
      const model = createModel(recipeConfig('pixelpyramids', { size, channels: 1, bits: 8 }));
      const s = (model.module as PixelPyramids).sequentialSteps;
      model.module.dispose();
      return s;
    });
    expect(steps).toEqual([40, 48, 56]);
    expect(recipeConfig('pixelcnn', { size: 32, channels: 3, bits: 5 }).model).toMatchObject({ channels: 3, bits: 5 });
  });

  it('rejects sizes the paired pyramid cannot halve down to 4x4', () => {
    expect(() => recipeConfig('pixelpyramids', { size: 28, channels: 1, bits: 8 })).toThrow(/odd/);
    expect(() => recipeConfig('pixelcnn', { size: 1, channels: 1, bits: 8 })).toThrow(/size/);
  });
});

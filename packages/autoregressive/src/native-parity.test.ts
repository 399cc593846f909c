import { initBackend, rng, tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { type AutoregressiveConfig, createModel } from './model-io.js';
import { trainModel } from './train.js';

// A few training steps on the native backend (wasm + @scalespace/native's OpenBLAS kernels) give the
// losses they give on wasm. Skipped, with the reason, where the addon is not built.
const unavailable = await initBackend('native', { log: false }).then(
  () => '',
  (error: Error) => error.message,
);
if (unavailable) console.warn(`autoregressive native parity skipped: ${unavailable}`);

const configs: Record<string, AutoregressiveConfig> = {
  pixelpyramids: {
    kind: 'pixelpyramids',
    model: {
      height: 8,
      width: 8,
      channels: 1,
      bits: 3,
      components: 2,
      coarsest: 2,
      coarseModel: { filters: 8, resnets: 1 },
      level: { filters: 8, blocks: 1 },
      squeeze: 1,
    },
  },
  pixelcnn: {
    kind: 'pixelcnn',
    model: { height: 8, width: 8, channels: 1, bits: 3, filters: 8, resnets: 1, components: 2 },
  },
};

/** Deterministic batches of smooth 3-bit images. */
const batch = (step: number) =>
  tf.tidy(() => {
    const base = tf.mul(rng(step).uniformTensor([4, 2, 2, 1]), 7.99);
    return tf.cast(tf.image.resizeBilinear(base as tf.Tensor4D, [8, 8]), 'int32') as tf.Tensor4D;
  });

async function losses(backend: 'wasm' | 'native', kind: string): Promise<number[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const model = createModel(configs[kind], 1);
  const out: number[] = [];
  await trainModel(model, { steps: 4, batch, lr: 3e-3, log: (e) => out.push(e.bitsPerDim) });
  model.module.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe.skipIf(unavailable !== '')(
  `autoregressive models train the same on native as on wasm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it.each([['pixelpyramids'], ['pixelcnn']])('%s: bits/dim of 4 steps within 1e-3', async (kind) => {
      const wasm = await losses('wasm', kind);
      const native = await losses('native', kind);
      expect(native).toHaveLength(4);
      for (let i = 0; i < wasm.length; i++)
        expect(Math.abs(native[i] - wasm[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(wasm[i])));
    });
  },
);

import { initBackend, rng, tf } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { createDenoiser } from './checkpoint-io.js';
import { smallMultiscaleConfig } from './test-configs.js';
import { trainDenoiser } from './train-denoiser.js';

// A few training steps on the native backend (wasm + @scalespace/native's OpenBLAS kernels) give the
// losses they give on wasm. Skipped, with the reason, where the addon is not built.
const unavailable = await initBackend('native', { log: false }).then(
  () => '',
  (error: Error) => error.message,
);
if (unavailable) console.warn(`denoisers native parity skipped: ${unavailable}`);

async function losses(backend: 'wasm' | 'native', kind: 'flat' | 'multiscale'): Promise<number[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const config =
    kind === 'flat'
      ? { kind: 'flat' as const, channels: 1 as const, net: { depth: 5, width: 12, rf: 9 } }
      : smallMultiscaleConfig({ levels: 2, depth: 3, width: 8 });
  const model = createDenoiser(config, { seed: 1 });
  const images = Array.from({ length: 4 }, (_, i) => rng(i).uniformTensor([24, 24, 1]) as tf.Tensor3D);
  const result = await trainDenoiser(model, { images, steps: 4, batchSize: 4, patchSize: 16, lr: 3e-3, seed: 2 });
  tf.dispose(images);
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return result.losses;
}

describe.skipIf(unavailable !== '')(
  `denoisers train the same on native as on wasm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it.each([['flat'], ['multiscale']] as const)('%s: losses of 4 steps within 1e-3', async (kind) => {
      const wasm = await losses('wasm', kind);
      const native = await losses('native', kind);
      expect(native).toHaveLength(4);
      for (let i = 0; i < wasm.length; i++)
        expect(Math.abs(native[i] - wasm[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(wasm[i])));
    });
  },
);

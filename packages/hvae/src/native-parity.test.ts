import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@scalespace/core';
import { afterAll, describe, expect, it } from 'vitest';
import { SMALL, syntheticImages } from './test-helpers.js';
import { trainVDVAE } from './train-vdvae.js';
import { VDVAE } from './vdvae.js';

// A few training steps on the native backend (wasm + @scalespace/native's OpenBLAS kernels) give the
// losses they give on wasm. Skipped, with the reason, where the addon is not built.
const unavailable = await initBackend('native', { log: false }).then(
  () => '',
  (error: Error) => error.message,
);
if (unavailable) console.warn(`hvae native parity skipped: ${unavailable}`);

const dir = await mkdtemp(join(tmpdir(), 'hvae-native-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function losses(backend: 'wasm' | 'native'): Promise<number[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const model = new VDVAE(SMALL, { seed: 1 });
  const out: number[] = [];
  const data = syntheticImages(16, 8, 3);
  await trainVDVAE({
    model,
    data,
    dir: join(dir, backend),
    steps: 4,
    batchSize: 8,
    seed: 4,
    logEvery: 1,
    optimizer: { warmupSteps: 2, lr: 3e-3 },
    onLog: (entry) => out.push(entry.loss),
  });
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe.skipIf(unavailable !== '')(
  `VD-VAE trains the same on native as on wasm${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    it('losses of 4 steps within 1e-3', async () => {
      const wasm = await losses('wasm');
      const native = await losses('native');
      expect(native).toHaveLength(4);
      for (let i = 0; i < wasm.length; i++)
        expect(Math.abs(native[i] - wasm[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(wasm[i])));
    });
  },
);

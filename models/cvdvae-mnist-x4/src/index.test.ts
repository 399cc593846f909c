import { existsSync } from 'node:fs';
import { tf } from '@scalespace/core';
import { loadMnist32, lowResolution } from '@scalespace/hvae';
import { lrPsnr } from '@scalespace/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, weightsUrl } from './index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('@scalespace/model-cvdvae-mnist-x4', () => {
  it.skipIf(!(weightsUrl && existsSync(weightsUrl)))(
    'super-resolves 8x8 test digits consistently with their input',
    async () => {
      const before = tf.memory().numTensors;
      const model = await load();
      expect(model.config.scale).toBe(4);
      const test = await loadMnist32('test');
      const x = test.images([0, 1, 2, 3]);
      const y = lowResolution(x, 4);
      const sr = model.superResolve(y, { samples: 2, temperature: 0.1, seed: 1 }) as tf.Tensor;
      const flat = tf.reshape(sr, [8, 32, 32, 1]);
      const low = tf.tidy(() => tf.reshape(tf.tile(tf.expandDims(y, 1), [1, 2, 1, 1, 1]), [8, 8, 8, 1]));
      const consistency = await lrPsnr(flat, low, { scale: 4, dataRange: 1, degradation: (h) => lowResolution(h, 4) });
      expect(consistency).toBeGreaterThan(31);
      tf.dispose([x, y, sr, flat, low]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

import { existsSync } from 'node:fs';
import { tf } from '@scalespace/core';
import { loadMnist32, lowResolution } from '@scalespace/hvae';
import { lrPsnr, psnrPerImage } from '@scalespace/metrics';
import { resize } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, weightsUrl } from './index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** Below the shipped model's LR-PSNR at t = 0.1 on the test digits (35.6 dB in the README table), with room for 16 samples. */
const LR_PSNR_FLOOR = 32;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('@scalespace/model-cvdvae-mnist-x8', () => {
  it.skipIf(!(weightsUrl && existsSync(weightsUrl)))(
    'super-resolves 4x4 test digits consistently with their input and closer to the truth than bicubic',
    async () => {
      const before = tf.memory().numTensors;
      const model = await load();
      expect(model.config.scale).toBe(8);
      const test = await loadMnist32('test');
      const x = test.images([0, 1, 2, 3, 4, 5, 6, 7]);
      const y = lowResolution(x, 8);
      expect(y.shape).toEqual([8, 4, 4, 1]);
      const sr = model.superResolve(y, { samples: 2, temperature: 0.1, seed: 1 }) as tf.Tensor;
      expect(sr.shape).toEqual([8, 2, 32, 32, 1]);
      const flat = tf.reshape(sr, [16, 32, 32, 1]) as tf.Tensor4D;
      const [truth, low] = tf.tidy(() => [
        tf.reshape(tf.tile(tf.expandDims(x, 1), [1, 2, 1, 1, 1]), [16, 32, 32, 1]) as tf.Tensor4D,
        tf.reshape(tf.tile(tf.expandDims(y, 1), [1, 2, 1, 1, 1]), [16, 4, 4, 1]) as tf.Tensor4D,
      ]);
      const consistency = await lrPsnr(flat, low, { scale: 8, dataRange: 1, degradation: (h) => lowResolution(h, 8) });
      expect(consistency).toBeGreaterThan(LR_PSNR_FLOOR);
      // Held-out digits: the samples are closer to the truth than bicubic interpolation of the same input.
      const bicubic = tf.tidy(() => tf.clipByValue(resize(y, { scale: 8, method: 'bicubic' }), 0, 1) as tf.Tensor4D);
      const samplePsnr = mean(await psnrPerImage(flat, truth, 1));
      const bicubicPsnr = mean(await psnrPerImage(bicubic, x, 1));
      expect(samplePsnr).toBeGreaterThan(bicubicPsnr + 1);
      tf.dispose([x, y, sr, flat, truth, low, bicubic]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDenoiser } from './checkpoint-io.js';
import type { FlatDenoiser } from './flat-denoiser.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import { smallMultiscaleConfig } from './test-configs.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
// Untrained networks do not shrink the noise reliably; a few steps at high h0 keep these tests fast.
const fast = { h0: 0.5, beta: 0.5, sigmaL: 0.2, maxSteps: 12 };

function multiscale(): MultiscaleDenoiser {
  return new MultiscaleDenoiser(smallMultiscaleConfig({ levels: 2, depth: 4, width: 6, lowpassRf: 7 }), { seed: 4 });
}

describe('model sampling calls', () => {
  it('multi-scale: Algorithm 2 runs the low-pass band then each scale, seeded, with progress phases', async () => {
    const before = tf.memory().numTensors;
    const model = multiscale();
    const phases = new Set<string>();
    const result = await model.sample({
      size: [16, 24],
      n: 2,
      seed: 5,
      ...fast,
      onProgress: (e) => phases.add(e.phase ?? ''),
    });
    expect(result.images.shape).toEqual([2, 16, 24, 1]);
    expect(result.steps).toHaveLength(3);
    expect(result.evaluations).toBe(result.steps.reduce((s, v) => s + v, 0));
    expect([...phases]).toEqual(['lowpass', 'scale 1', 'scale 0']);
    const again = await model.sample({ size: [16, 24], n: 2, seed: 5, ...fast });
    expect(maxAbs(again.images, result.images)).toBe(0);
    await expect(model.sample({ size: 18 })).rejects.toThrow(/divisible by 4/);
    tf.dispose([result.images, again.images]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('multi-scale: super-resolution keeps the low-pass band exactly (x2 and x4)', async () => {
    const before = tf.memory().numTensors;
    const model = multiscale();
    const low = rng(1).uniformTensor([6, 5, 1]);
    for (const factor of [2, 4]) {
      const result = await model.superResolve(low, { factor, seed: 2, ...fast });
      expect(result.images.shape).toEqual([1, 6 * factor, 5 * factor, 1]);
      expect(result.steps).toHaveLength(Math.log2(factor));
      const averaged = tf.avgPool(result.images, factor, factor, 'valid');
      expect(tf.tidy(() => maxAbs(averaged, tf.expandDims(low, 0)))).toBeLessThan(1e-6);
      tf.dispose([result.images, averaged]);
    }
    await expect(model.superResolve(low, { factor: 8 })).rejects.toThrow(/up to 4|from 2 to 4/);
    await expect(model.superResolve(low, { factor: 3 })).rejects.toThrow(/power of 2/);
    low.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flat: sampling and constrained super-resolution (block averages kept to float precision)', async () => {
    const before = tf.memory().numTensors;
    const model = createDenoiser(
      { kind: 'flat', channels: 3, net: { depth: 4, width: 6, rf: 7 } },
      { seed: 1 },
    ) as FlatDenoiser;
    const sample = await model.sample({ size: 12, seed: 3, ...fast });
    expect(sample.images.shape).toEqual([1, 12, 12, 3]);
    expect(sample.steps).toHaveLength(1);
    const low = rng(2).uniformTensor([2, 4, 3, 3]);
    const sr = await model.superResolve(low, { factor: 4, seed: 1, ...fast });
    expect(sr.images.shape).toEqual([2, 16, 12, 3]);
    const averaged = tf.avgPool(sr.images, 4, 4, 'valid');
    expect(maxAbs(averaged, low)).toBeLessThan(1e-5);
    const grey = tf.zeros([4, 4, 1]);
    await expect(model.superResolve(grey)).rejects.toThrow(/got 1 channels.*channels: 3/);
    grey.dispose();
    tf.dispose([sample.images, low, sr.images, averaged]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on abort between steps without leaking', async () => {
    const before = tf.memory().numTensors;
    const model = multiscale();
    const controller = new AbortController();
    await expect(
      model.sample({
        size: 16,
        seed: 1,
        ...fast,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.phase === 'scale 1') controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

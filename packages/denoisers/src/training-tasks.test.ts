import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { haarDecompose } from './haar.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import type { HostImage } from './patch-sampler.js';
import { smallMultiscaleConfig } from './test-configs.js';
import { buildTasks, noisyBatch } from './training-tasks.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

function randomImage(size: number): HostImage {
  const r = rng(9);
  return {
    data: Float32Array.from({ length: size * size }, () => r.uniform()),
    height: size,
    width: size,
    channels: 1,
  };
}

const std = (t: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]));

describe('training tasks of a multi-scale model', () => {
  const model = () => new MultiscaleDenoiser(smallMultiscaleConfig({ levels: 2, depth: 3, width: 4 }), { seed: 1 });

  it("bandSigma 'image' gives each band the noise std image noise has there (haarStep: sigma / 2^(j+1))", async () => {
    const before = tf.memory().numTensors;
    const m = model();
    const tasks = await buildTasks(m, [randomImage(64)], 8, 'image');
    expect(tasks.map((t) => [t.name, t.sigmaScale])).toEqual([
      ['lowpass', 0.25],
      ['scale0', 0.5],
      ['scale1', 0.25],
    ]);
    // The same scales as white image noise measured through the transform.
    const noise = rng(3).normalTensor([1, 256, 256, 1]) as tf.Tensor4D;
    const { low, details } = haarDecompose(noise, 2);
    expect(std(low)).toBeCloseTo(0.25, 2);
    expect(std(details[0])).toBeCloseTo(0.5, 2);
    expect(std(details[1])).toBeCloseTo(0.25, 2);
    // A batch at sigma 0.8 (a range of width 1e-6): the noise in the targets has 0.8 x the band's scale.
    for (const task of tasks) {
      const { input, target } = noisyBatch(task, 32, { range: [0.8, 0.800001], power: 1 }, false, rng(5));
      const clean = tf.tidy(() => tf.slice(input, [0, 0, 0, task.noisyFrom], [-1, -1, -1, -1]));
      const added = task.predicts === 'noise' ? target : tf.sub(clean, target);
      expect(std(added) / (0.8 * task.sigmaScale)).toBeCloseTo(1, 1);
      tf.dispose([input, target, clean, added]);
    }
    expect((await buildTasks(m, [randomImage(64)], 8, 'band')).map((t) => t.sigmaScale)).toEqual([1, 1, 1]);
    tf.dispose([noise, low, ...details]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sigmaPower skews the draw towards small sigma: E[sigma^2] = E[u^(2p)] = 1 / (2p + 1)', async () => {
    const m = model();
    const [task] = await buildTasks(m, [randomImage(64)], 4, 'band');
    for (const power of [1, 2, 3]) {
      const { target } = noisyBatch(task, 20000, { range: [0, 1], power }, false, rng(power));
      // Mean noise variance over the batch: E[sigma^2] = E[u^(2p)] = 1 / (2p + 1).
      expect(std(target) ** 2 * (2 * power + 1)).toBeCloseTo(1, 1);
      target.dispose();
    }
    m.dispose();
  });
});

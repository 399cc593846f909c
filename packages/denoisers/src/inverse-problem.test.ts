import { join } from 'node:path';
import { InvalidImageError, readTorchCheckpoint, tf } from '@scalespace/core';
import { loadFixture } from '@scalespace/data';
import { psnr } from '@scalespace/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDenoiser } from './checkpoint-io.js';
import { flatDenoiserFromTorch } from './convert-official.js';
import type { FlatDenoiser } from './flat-denoiser.js';
import { solveInverseProblem } from './inverse-problem.js';
import { blockAverageOperator, randomPixelsOperator } from './linear-operators.js';
import { smallMultiscaleConfig } from './test-configs.js';

// The official flat RF 13 network (MIT, Kadkhodaie et al.; the parity fixture of convert-official.test.ts).
const FLAT_RF13 = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'kadkhodaie',
  'official',
  'flat',
  'noise_range_0to255_RF_13x13',
  'model.pt',
);

let model: FlatDenoiser;
let clean: tf.Tensor4D;
beforeAll(async () => {
  await tf.setBackend('wasm');
  model = flatDenoiserFromTorch(await readTorchCheckpoint(FLAT_RF13, { stripModulePrefix: true }));
  // A 40x40 crop of a CC0 photo (camera, grey): the man's coat and the tripod.
  const photo = await loadFixture('camera', { channels: 1 });
  clean = tf.tidy(() => tf.expandDims(tf.slice(photo, [96, 72, 0], [40, 40, 1]), 0)) as tf.Tensor4D;
  photo.dispose();
});

async function score(x: tf.Tensor): Promise<number> {
  const clipped = tf.clipByValue(x, 0, 1);
  try {
    return await psnr(clipped, clean, { dataRange: 1 });
  } finally {
    clipped.dispose();
  }
}

describe('solveInverseProblem', () => {
  it('super-resolves x4 better than bicubic with a fixed seed, keeping the measurement exactly', async () => {
    const before = tf.memory().numTensors;
    const op = blockAverageOperator([40, 40, 1], 4);
    const measured = op.forward(clean);
    const baseline = await op.classic(measured);
    const events: number[] = [];
    const result = await solveInverseProblem(model, op, measured, {
      seed: 2,
      samples: 2,
      onProgress: (e) => events.push(e.step),
    });
    expect(result.method).toBe('constrained ascent');
    expect(result.samples.shape).toEqual([2, 40, 40, 1]);
    expect(result.evaluations).toBe(events.at(-1));
    const remeasured = op.forward(result.samples);
    const kept = tf.tidy(() => tf.max(tf.abs(tf.sub(remeasured, tf.concat([measured, measured])))).dataSync()[0]);
    expect(kept).toBeLessThan(1e-5);
    const first = tf.slice(result.samples, [0], [1]);
    const [bicubic, sample, mean] = [await score(baseline), await score(first), await score(result.mean)];
    console.log(
      `x4 from 10x10: bicubic ${bicubic.toFixed(2)} dB, one sample ${sample.toFixed(2)} dB, ` +
        `mean of 2 ${mean.toFixed(2)} dB, ${result.evaluations} evaluations`,
    );
    expect(sample).toBeGreaterThan(bicubic + 0.2);
    expect(mean).toBeGreaterThan(sample);
    tf.dispose([measured, baseline, remeasured, result.samples, result.mean, first]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fills missing pixels keeping the known ones exactly', async () => {
    const before = tf.memory().numTensors;
    const op = await randomPixelsOperator([40, 40, 1], 0.25, { seed: 1 });
    const measured = op.forward(clean);
    const result = await solveInverseProblem(model, op, measured, { seed: 3, sigmaL: 0.05 });
    const kept = tf.tidy(() => tf.max(tf.abs(tf.sub(op.forward(result.samples), measured))).dataSync()[0]);
    expect(kept).toBeLessThan(1e-5);
    expect(await score(result.samples)).toBeGreaterThan(15);
    tf.dispose([measured, result.samples, result.mean]);
    op.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a multi-scale model super-resolves coarse to fine from the measured low-pass band', async () => {
    const before = tf.memory().numTensors;
    const ms = createDenoiser(smallMultiscaleConfig({ levels: 2, depth: 3, width: 4 }), { seed: 1 });
    const op = blockAverageOperator([40, 40, 1], 4);
    const low = op.forward(clean);
    const fast = { h0: 0.5, beta: 0.5, sigmaL: 0.2, maxSteps: 12 };
    const result = await solveInverseProblem(ms, op, low, { ...fast, seed: 1 });
    expect(result.method).toBe('coarse-to-fine');
    expect(result.steps).toHaveLength(2); // the two detail scales; the low-pass band is given
    const lowAgain = op.forward(result.samples);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(lowAgain, low))).dataSync()[0])).toBeLessThan(1e-5);
    // x8 needs three levels: this model falls back to the constrained ascent with its denoiser.
    const op8 = blockAverageOperator([40, 40, 1], 8);
    const low8 = op8.forward(clean);
    const deep = await solveInverseProblem(ms, op8, low8, { ...fast, seed: 1 });
    expect(deep.method).toBe('constrained ascent');
    tf.dispose([low, lowAgain, result.samples, result.mean, low8, deep.samples, deep.mean]);
    ms.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says what is wrong with a measurement of the wrong shape or channels, and honours an abort', async () => {
    const before = tf.memory().numTensors;
    const op = blockAverageOperator([40, 40, 1], 4);
    const wrong = tf.zeros([1, 8, 10, 1]);
    await expect(solveInverseProblem(model, op, wrong)).rejects.toThrow(
      /block average x4: the measurement must be \[10,10,1\]/,
    );
    const rgb = blockAverageOperator([40, 40, 3], 4);
    const low3 = tf.zeros([1, 10, 10, 3]);
    await expect(solveInverseProblem(model, rgb, low3)).rejects.toThrow(InvalidImageError);
    const low = op.forward(clean);
    const controller = new AbortController();
    controller.abort();
    await expect(solveInverseProblem(model, op, low, { signal: controller.signal })).rejects.toThrow(/aborted/);
    tf.dispose([wrong, low3, low]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

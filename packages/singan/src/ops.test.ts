import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { leakyRelu, pixelShuffle } from './ops.js';

describe('ops', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('leakyRelu matches tfjs and has a (zero) second derivative instead of throwing', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([-2, -0.5, 0.25, 3]);
    const ours = leakyRelu(x, 0.2);
    const ref = tf.leakyRelu(x, 0.2);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(ref.dataSync()));
    const d1 = tf.grad((v: tf.Tensor) => tf.sum(tf.square(leakyRelu(v, 0.2))));
    // d/dx of sum(lrelu(x)^2) = 2 lrelu(x) lrelu'(x); its derivative is 2 lrelu'(x)^2.
    const d2 = tf.grad((v: tf.Tensor) => tf.sum(d1(v)))(x);
    const second = Array.from(d2.dataSync());
    for (const [i, v] of [0.08, 0.08, 2, 2].entries()) expect(second[i]).toBeCloseTo(v, 6);
    tf.dispose([x, ours, ref, d2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pixelShuffle follows PyTorch channel order and inverts spaceToDepth-like packing', () => {
    const before = tf.memory().numTensors;
    // One pixel, channels [c0 i0 j0, c0 i0 j1, c0 i1 j0, c0 i1 j1] -> a 2x2 block.
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]);
    const y = pixelShuffle(x, 2);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    // Two output channels: PyTorch index c * 4 + i * 2 + j.
    const x2 = tf.tensor4d([0, 1, 2, 3, 10, 11, 12, 13], [1, 1, 1, 8]);
    const y2 = pixelShuffle(x2, 2);
    expect(Array.from(y2.dataSync())).toEqual([0, 10, 1, 11, 2, 12, 3, 13]);
    tf.dispose([x, y, x2, y2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('subsample', () => {
  it('equals a strided conv when applied after the stride-1 conv (even and odd sizes)', async () => {
    const { subsample } = await import('./conv-block.js');
    const { rng } = await import('@scalespace/core');
    const before = tf.memory().numTensors;
    const r = rng(4);
    for (const size of [8, 7]) {
      const x = r.normalTensor([2, size, size + 2, 3]) as tf.Tensor4D;
      const w = r.normalTensor([3, 3, 3, 5]) as tf.Tensor4D;
      // PyTorch's stride-2 conv with padding 1 (what ConvBlock implements), centres at even pixels.
      const pad1: [[number, number], [number, number], [number, number], [number, number]] = [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ];
      const strided = tf.conv2d(x, w, 2, pad1);
      const ours = tf.tidy(() => subsample(tf.conv2d(x, w, 1, pad1), 2));
      expect(ours.shape).toEqual(strided.shape);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, strided))).dataSync()[0]);
      expect(diff).toBeLessThan(1e-4);
      tf.dispose([x, w, strided, ours]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

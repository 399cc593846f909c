import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { Conv2d, ConvTranspose2d, DepthwiseConv2d, Linear } from './layers.js';
import { rng } from './rng.js';
import { tf } from './tf.js';

describe('layers', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('have the expected output shapes', () => {
    const before = tf.memory().numTensors;
    const r = rng(1);
    const x = r.normalTensor([2, 9, 8, 3]) as tf.Tensor4D;
    const layers = [
      [new Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, rng: r }), [2, 9, 8, 5]],
      [new Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, stride: 2, rng: r }), [2, 5, 4, 5]],
      [new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 0, rng: r }), [2, 7, 6, 4]],
      [new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, dilation: 2, rng: r }), [2, 9, 8, 4]],
      [new DepthwiseConv2d({ channels: 3, kernelSize: 3, multiplier: 2, rng: r }), [2, 9, 8, 6]],
      [new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 4, rng: r }), [2, 18, 16, 2]],
    ] as const;
    for (const [layer, shape] of layers) {
      const y = layer.forward(x);
      expect(y.shape).toEqual(shape);
      y.dispose();
      layer.dispose();
    }
    const lin = new Linear({ inFeatures: 3, outFeatures: 7, rng: r });
    const y = lin.forward(x);
    expect(y.shape).toEqual([2, 9, 8, 7]);
    tf.dispose([x, y]);
    lin.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a conv equals tf.conv2d plus bias; the seed fixes the initialisation', () => {
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: rng(5) });
    const again = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: rng(5) });
    expect(Array.from(conv.weight.dataSync())).toEqual(Array.from(again.weight.dataSync()));
    const bound = 1 / Math.sqrt(2 * 9);
    expect(Math.max(...Array.from(conv.weight.dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
    const x = rng(6).normalTensor([1, 4, 4, 2]) as tf.Tensor4D;
    const diff = tf.tidy(() => {
      const ref = tf.add(tf.conv2d(x, conv.weight as tf.Tensor4D, 1, 'same'), conv.bias as tf.Tensor);
      return tf.max(tf.abs(tf.sub(conv.forward(x), ref))).dataSync()[0];
    });
    expect(diff).toBe(0);
    x.dispose();
    conv.dispose();
    again.dispose();
  });

  it('validates sizes', () => {
    expect(() => new Conv2d({ inChannels: 0, outChannels: 1, kernelSize: 3, rng: rng(1) })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new Linear({ inFeatures: 2.5, outFeatures: 1, rng: rng(1) })).toThrow(/positive integer/);
  });
});

import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BFCNN } from './bf-cnn.js';
import { BiasFreeBatchNorm, normalizeByBatchStd } from './bias-free-batch-norm.js';
import { FlatDenoiser } from './flat-denoiser.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import { kernelSizesForReceptiveField, receptiveField } from './receptive-field.js';
import { smallMultiscaleConfig } from './test-configs.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const maxOf = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);

/** A few training-mode steps so that gains and running stds are no longer their initial values. */
function perturbStatistics(net: BFCNN, r: ReturnType<typeof rng>, channels: number) {
  net.train();
  for (let i = 0; i < 3; i++) {
    const x = r.normalTensor([2, 12, 12, channels], { std: 0.3 + i }) as tf.Tensor4D;
    tf.dispose([x, net.forward(x)]);
    net.commitStatistics();
  }
  for (const bn of net.norms) {
    const gain = tf.tidy(() => tf.add(bn.gain, r.uniformTensor(bn.gain.shape)));
    bn.gain.assign(gain);
    gain.dispose();
  }
  net.eval();
}

describe('receptive field layouts', () => {
  it('gives the paper layouts for 21 layers', () => {
    for (const rf of [5, 9, 13, 23, 43]) {
      const sizes = kernelSizesForReceptiveField(21, rf);
      expect(sizes).toHaveLength(21);
      expect(receptiveField(sizes)).toBe(rf);
    }
    const rf13 = kernelSizesForReceptiveField(21, 13);
    expect(rf13.flatMap((k, i) => (k === 3 ? [i] : []))).toEqual([0, 4, 8, 12, 16, 20]);
    expect(kernelSizesForReceptiveField(21, 43).every((k) => k === 3)).toBe(true);
    expect(() => kernelSizesForReceptiveField(8, 43)).toThrow(/needs 21 3x3 layers.*depth >= 21/);
    expect(() => kernelSizesForReceptiveField(8, 12)).toThrow(/odd/);
  });

  it('matches the measured support of an output pixel', () => {
    for (const rf of [5, 9]) {
      const net = new BFCNN({ inChannels: 1, outChannels: 1, depth: 6, width: 4, rf }, rng(rf));
      net.eval();
      const size = 21;
      const grad = tf.tidy(() => {
        const g = tf.grad((x: tf.Tensor) =>
          tf.sum(tf.slice(net.forward(x as tf.Tensor4D), [0, 10, 10, 0], [1, 1, 1, 1])),
        );
        return g(tf.add(rng(1).uniformTensor([1, size, size, 1]), 1));
      });
      const values = grad.dataSync();
      let lo = size;
      let hi = -1;
      for (let i = 0; i < size; i++)
        for (let j = 0; j < size; j++)
          if (values[i * size + j] !== 0) {
            lo = Math.min(lo, i, j);
            hi = Math.max(hi, i, j);
          }
      expect(hi - lo + 1).toBe(rf);
      grad.dispose();
      net.dispose();
    }
  });
});

describe('bias-free CNN', () => {
  it('is homogeneous: D(a y) = a D(y) for a > 0, to float precision', async () => {
    const before = tf.memory().numTensors;
    const r = rng(7);
    for (const channels of [1, 3] as const) {
      const model = new FlatDenoiser({ kind: 'flat', channels, net: { depth: 7, width: 8, rf: 9 } }, { seed: 1 });
      perturbStatistics(model.net, r.fork(channels), channels);
      const y = r.uniformTensor([2, 16, 16, channels]) as tf.Tensor4D;
      const base = (await model.denoise(y)).image;
      for (const a of [0.01, 0.37, 3.5, 255]) {
        const scaled = tf.mul(y, a);
        const out = (await model.denoise(scaled)).image;
        const expected = tf.mul(base, a);
        expect(maxAbs(out, expected) / maxOf(expected)).toBeLessThan(2e-6);
        tf.dispose([scaled, out, expected]);
      }
      // Only positive scalings: ReLU is not odd, so a = -1 changes the result.
      const flipped = tf.neg(y);
      const out = (await model.denoise(flipped)).image;
      const negBase = tf.neg(base);
      expect(maxAbs(out, negBase) / maxOf(base)).toBeGreaterThan(1e-3);
      // No additive constant anywhere: zero in, exactly zero out.
      const zero = tf.zeros([1, 8, 8, channels]);
      const z = (await model.denoise(zero)).image;
      expect(maxOf(z)).toBe(0);
      tf.dispose([y, base, flipped, out, negBase, zero, z]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('multi-scale model is homogeneous too (Haar is linear, every net bias-free)', async () => {
    const before = tf.memory().numTensors;
    const model = new MultiscaleDenoiser(smallMultiscaleConfig({ levels: 2, depth: 5, width: 6, lowpassRf: 9 }), {
      seed: 3,
    });
    const r = rng(2);
    perturbStatistics(model.lowpass, r.fork('l'), 1);
    for (const c of model.conditionals) perturbStatistics(c, r.fork('c'), 4);
    const y = r.uniformTensor([1, 20, 24, 1]) as tf.Tensor4D;
    const result = await model.denoise(y);
    expect(result.evaluations).toBe(3);
    expect(result.image.shape).toEqual([1, 20, 24, 1]);
    for (const a of [0.05, 7]) {
      const scaled = tf.mul(y, a);
      const out = (await model.denoise(scaled)).image;
      const expected = tf.mul(result.image, a);
      expect(maxAbs(out, expected) / maxOf(expected)).toBeLessThan(2e-6);
      tf.dispose([scaled, out, expected]);
    }
    // Its residual is the same map as denoise.
    const f = model.residual(y);
    const viaResidual = tf.sub(y, f);
    expect(maxAbs(viaResidual, result.image)).toBeLessThan(1e-6);
    tf.dispose([y, result.image, f, viaResidual]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('infer (memory-lean, eval) equals forward in eval mode', () => {
    const net = new BFCNN({ inChannels: 2, outChannels: 1, depth: 5, width: 6, rf: 7 }, rng(4));
    perturbStatistics(net, rng(5), 2);
    const x = rng(6).normalTensor([2, 9, 11, 2]) as tf.Tensor4D;
    const a = net.forward(x);
    const b = net.infer(x);
    expect(maxAbs(a, b)).toBeLessThan(1e-6);
    expect(() => net.infer(tf.zeros([1, 4, 4, 3]) as tf.Tensor4D)).toThrow(/expects 2 input channels/);
    tf.dispose([x, a, b]);
    net.dispose();
  });

  it('takes an explicit layer layout and a linear first layer (the official networks), in both passes', () => {
    const config = { inChannels: 1, outChannels: 1, depth: 6, width: 5, rf: 7, kernelSizes: [3, 1, 1, 3, 1, 3] };
    const linear = new BFCNN({ ...config, linearFirstLayer: true }, rng(8));
    const relu = new BFCNN(config, rng(8));
    expect(linear.kernelSizes).toEqual([3, 1, 1, 3, 1, 3]);
    expect(linear.receptiveField).toBe(7);
    perturbStatistics(linear, rng(9), 1);
    relu.loadStateDict(linear.stateDict());
    const x = rng(10).normalTensor([1, 9, 9, 1]) as tf.Tensor4D;
    const [a, b, c] = [linear.forward(x), linear.infer(x), relu.infer(x)];
    expect(maxAbs(a, b)).toBeLessThan(1e-6);
    // The ReLU after the first layer matters: without it the same weights give another function.
    expect(maxAbs(b, c) / maxOf(c)).toBeGreaterThan(1e-3);
    // The first layer's negative part reaches the output only without that ReLU.
    const firstOnly = tf.tidy(() => tf.relu(tf.neg(linear.convs[0].forward(x))));
    expect(maxOf(firstOnly)).toBeGreaterThan(0);
    expect(() => new BFCNN({ ...config, kernelSizes: [3, 1, 3] }, rng(1))).toThrow(/kernelSizes must be 6 odd/);
    expect(() => new BFCNN({ ...config, kernelSizes: [3, 3, 1, 3, 1, 3] }, rng(1))).toThrow(
      /give receptive field 9, not rf 7/,
    );
    tf.dispose([x, a, b, c, firstOnly]);
    linear.dispose();
    relu.dispose();
  });
});

describe('bias-free batch norm', () => {
  it('divides by the batch std (no mean, no offset) and records it for the running std', () => {
    const before = tf.memory().numTensors;
    const bn = new BiasFreeBatchNorm({ channels: 3, momentum: 0.5 });
    const x = tf.tidy(() => tf.add(rng(1).normalTensor([4, 5, 5, 3], { std: 2 }), 3)) as tf.Tensor4D;
    const std = tf.tidy(() => tf.sqrt(tf.add(tf.moments(x, [0, 1, 2]).variance, 1e-5)));
    const y = bn.forward(x);
    expect(tf.tidy(() => maxAbs(y, tf.div(x, std)))).toBeLessThan(1e-5);
    bn.commitStatistics();
    const running = tf.tidy(() => tf.add(0.5, tf.mul(0.5, std)));
    expect(maxAbs(bn.runningStd, running)).toBeLessThan(1e-6);
    bn.eval();
    const z = bn.forward(x);
    expect(tf.tidy(() => maxAbs(z, tf.div(x, running)))).toBeLessThan(1e-5);
    tf.dispose([x, std, y, running, z]);
    bn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with frozen statistics, training mode is the inference function (and records nothing)', () => {
    const before = tf.memory().numTensors;
    const bn = new BiasFreeBatchNorm({ channels: 2, rng: rng(8) });
    const x = tf.tidy(() => tf.add(rng(9).normalTensor([3, 4, 4, 2]), 1)) as tf.Tensor4D;
    bn.forward(x).dispose();
    bn.commitStatistics();
    bn.statisticsFrozen = true;
    const trained = bn.forward(x);
    bn.commitStatistics();
    bn.eval();
    const inferred = bn.forward(x);
    expect(maxAbs(trained, inferred)).toBe(0);
    tf.dispose([x, trained, inferred]);
    bn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has the gradient of the autodiff reference and of finite differences', () => {
    const before = tf.memory().numTensors;
    const x = rng(2).normalTensor([2, 3, 3, 2]) as tf.Tensor4D;
    const w = rng(4).normalTensor([2, 3, 3, 2]);
    const gain = tf.tensor1d([0.7, -1.3]);
    const custom = (xx: tf.Tensor, g: tf.Tensor) => {
      const { y, std } = normalizeByBatchStd(xx as tf.Tensor4D, g, 1e-5);
      std.dispose();
      return tf.sum(tf.mul(tf.square(y), w));
    };
    const reference = (xx: tf.Tensor, g: tf.Tensor) => {
      const { variance } = tf.moments(xx, [0, 1, 2]);
      const y = tf.mul(tf.div(xx, tf.sqrt(tf.add(variance, 1e-5))), g);
      return tf.sum(tf.mul(tf.square(y), w));
    };
    const [dx, dg] = tf.grads(custom)([x, gain]);
    const [rx, rg] = tf.grads(reference)([x, gain]);
    expect(maxAbs(dx, rx)).toBeLessThan(1e-4 * maxOf(rx));
    expect(maxAbs(dg, rg)).toBeLessThan(1e-4 * maxOf(rg));
    // Central finite differences in float64 on the host for a few entries of x and the gains.
    const xs = Array.from(x.dataSync());
    const ws = Array.from(w.dataSync());
    const hostLoss = (v: number[], gs: number[]) => {
      let total = 0;
      for (let c = 0; c < 2; c++) {
        const vals = v.filter((_, i) => i % 2 === c);
        const m = vals.reduce((s, a) => s + a, 0) / vals.length;
        const sd = Math.sqrt(vals.reduce((s, a) => s + (a - m) ** 2, 0) / vals.length + 1e-5);
        v.forEach((a, i) => {
          if (i % 2 === c) total += ((a / sd) * gs[c]) ** 2 * ws[i];
        });
      }
      return total;
    };
    const gs = [0.7, -1.3];
    const eps = 1e-4;
    const dxs = dx.dataSync();
    for (const i of [0, 5, 17, 30]) {
      const up = [...xs];
      up[i] += eps;
      const down = [...xs];
      down[i] -= eps;
      const fd = (hostLoss(up, gs) - hostLoss(down, gs)) / (2 * eps);
      expect(Math.abs(fd - dxs[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
    }
    const dgs = dg.dataSync();
    for (const c of [0, 1]) {
      const up = [...gs];
      up[c] += eps;
      const down = [...gs];
      down[c] -= eps;
      const fd = (hostLoss(xs, up) - hostLoss(xs, down)) / (2 * eps);
      expect(Math.abs(fd - dgs[c])).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([x, w, gain, dx, dg, rx, rg]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

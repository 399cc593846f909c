import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from './rng.js';
import {
  applyCase as apply,
  type Case,
  CI,
  CO,
  convCases as cases,
  filterShape,
  caseGradients as gradients,
  H,
  N,
  type Op,
  padName,
  randomData,
  relativeError,
  W,
} from './testing/conv-cases.js';
import { tf } from './tf.js';

describe('wasm training kernels: gradients equal the cpu backend', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it.each(cases.map((c) => [`${c.op} stride ${c.stride} ${padName(c.pad)} dilation ${c.dilation}`, c] as const))(
    '%s',
    async (_name, c) => {
      const xChannels = c.op === 'conv2dTranspose' ? CO : CI;
      const xData = randomData([N, H, W, xChannels], 1);
      const fData = randomData(filterShape(c), 2);
      const cpu = await gradients('cpu', c, xData, fData);
      const wasm = await gradients('wasm', c, xData, fData);
      expect(cpu.dx.length).toBe(wasm.dx.length);
      expect(relativeError(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
      expect(relativeError(wasm.df, cpu.df)).toBeLessThan(1e-4);
      expect(wasm.leaked).toBe(0);
      expect(cpu.leaked).toBe(0);
    },
  );
});

/** [KH,KW,A,B] -> [(KH-1)d+1, (KW-1)d+1, A, B] with zeros between taps: a dilated conv as an undilated one. */
function spreadFilter(f: tf.Tensor4D, d: number): tf.Tensor4D {
  const [kh, kw, a, b] = f.shape;
  return tf.tidy(() => {
    const spread = tf.pad(tf.reshape(f, [kh, 1, kw, 1, a, b]), [
      [0, 0],
      [0, d - 1],
      [0, 0],
      [0, d - 1],
      [0, 0],
      [0, 0],
    ]);
    return tf.slice(
      tf.reshape(spread, [kh * d, kw * d, a, b]),
      [0, 0, 0, 0],
      [(kh - 1) * d + 1, (kw - 1) * d + 1, a, b],
    ) as tf.Tensor4D;
  });
}

describe('dilated conv gradients equal those of the equivalent zero-spread filter (stock cpu kernels)', () => {
  const dilated = cases.filter((c) => c.dilation === 2);
  it.each(dilated.map((c) => [`${c.op} ${padName(c.pad)}`, c] as const))('%s', async (_name, c) => {
    const xData = randomData([N, H, W, CI], 3);
    const fData = randomData(filterShape(c), 4);
    const wasm = await gradients('wasm', c, xData, fData);

    await tf.setBackend('cpu');
    const x = tf.tensor4d(xData.values, [N, H, W, CI]);
    const f = tf.tensor4d(fData.values, fData.shape as [number, number, number, number]);
    const undilated: Case = { ...c, dilation: 1 };
    const fs = spreadFilter(f, 2);
    const outShape = tf.tidy(() => apply(undilated, x, fs).shape);
    const w = tf.tensor(randomData(outShape, 7).values, outShape);
    const [dx, dfs] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(apply(undilated, a as tf.Tensor4D, b as tf.Tensor4D), w)),
    )([x, fs]);
    const df = tf.stridedSlice(dfs, [0, 0, 0, 0], dfs.shape, [2, 2, 1, 1]);
    expect(relativeError(wasm.dx, await dx.data())).toBeLessThan(1e-4);
    expect(relativeError(wasm.df, await df.data())).toBeLessThan(1e-4);
    tf.dispose([x, f, fs, w, dx, dfs, df]);
  });
});

describe('wasm gradients over random geometries (kernel 1-5, stride 1-3, odd and even sizes)', () => {
  const r = rng(99);
  const geometries = Array.from({ length: 24 }, (_, i) => {
    const k = 1 + r.int(5);
    const stride = 1 + r.int(3);
    const h = k + r.int(8);
    const w = k + r.int(8);
    const pad: 'same' | 'valid' = r.uniform() < 0.5 ? 'same' : 'valid';
    const op: Op = (['conv2d', 'depthwiseConv2d', 'conv2dTranspose'] as const)[i % 3];
    return { op, k, stride, h, w, pad };
  });
  it.each(geometries.map((g) => [`${g.op} k${g.k} s${g.stride} ${g.h}x${g.w} ${g.pad}`, g] as const))(
    '%s',
    async (_n, g) => {
      const results: Record<string, { dx: Float32Array; df: Float32Array }> = {};
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const x = tf.tensor4d(randomData([2, g.h, g.w, 3], 5).values, [2, g.h, g.w, 3]);
        const fShape: [number, number, number, number] =
          g.op === 'depthwiseConv2d' ? [g.k, g.k, 3, 2] : [g.k, g.k, 3, 4];
        const f = tf.tensor4d(randomData(fShape, 6).values, fShape);
        const forward = (a: tf.Tensor, b: tf.Tensor) => {
          if (g.op === 'conv2d') return tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.stride, g.pad);
          if (g.op === 'depthwiseConv2d')
            return tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.stride, g.pad);
          // conv2dTranspose back to x's shape, applied to conv2d's output: exercises both directions.
          const small = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.stride, g.pad);
          return tf.conv2dTranspose(small, b as tf.Tensor4D, [2, g.h, g.w, 3], g.stride, g.pad);
        };
        const outShape = tf.tidy(() => forward(x, f).shape);
        const wgt = tf.tensor(randomData(outShape, 7).values, outShape);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(forward(a, b), wgt)))([x, f]);
        results[backend] = { dx: (await dx.data()) as Float32Array, df: (await df.data()) as Float32Array };
        tf.dispose([x, f, wgt, dx, df]);
      }
      expect(relativeError(results.wasm.dx, results.cpu.dx)).toBeLessThan(1e-4);
      expect(relativeError(results.wasm.df, results.cpu.df)).toBeLessThan(1e-4);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { nativeUnavailableReason, setNativeThreads } from './native-backend.js';
import { rng } from './rng.js';
import {
  type Case,
  CI,
  CO,
  caseGradients,
  convCases,
  filterShape,
  H,
  N,
  padName,
  randomData,
  relativeError,
  W,
} from './testing/conv-cases.js';
import { tf } from './tf.js';

// The native backend (wasm + @scalespace/native's OpenBLAS kernels) against the cpu backend. Needs the
// built addon; without it the tests are skipped and their names say why. The cpu backend starts through
// the ladder first, which keeps tfjs's "install tfjs-node" notice out of the output.
await initBackend('cpu', { log: false });
const available = await initBackend('native', { log: false }).then(
  () => true,
  () => false,
);
const skipped = available ? '' : ` (skipped: native backend unavailable: ${nativeUnavailableReason()})`;
if (!available) console.warn(`native kernel tests skipped: ${nativeUnavailableReason()}`);

const caseName = (c: Case) => `${c.op} stride ${c.stride} ${padName(c.pad)} dilation ${c.dilation}`;

describe.skipIf(!available)(`native kernels: outputs and gradients equal the cpu backend${skipped}`, () => {
  it.each(convCases.map((c) => [caseName(c), c] as const))('%s', async (_name, c) => {
    const xData = randomData([N, H, W, c.op === 'conv2dTranspose' ? CO : CI], 1);
    const fData = randomData(filterShape(c), 2);
    const cpu = await caseGradients('cpu', c, xData, fData);
    for (const threads of [2, 1, 3]) {
      await tf.setBackend('native');
      setNativeThreads(threads);
      const native = await caseGradients('native', c, xData, fData);
      expect(relativeError(native.y, cpu.y)).toBeLessThan(1e-4);
      expect(relativeError(native.dx, cpu.dx)).toBeLessThan(1e-4);
      expect(relativeError(native.df, cpu.df)).toBeLessThan(1e-4);
      expect(native.leaked).toBe(0);
    }
  });
});

type Backends = 'cpu' | 'native';

/** Runs fn on both backends from the same host data and returns each result's values. */
async function onBoth(fn: () => tf.Tensor): Promise<Record<Backends, Float32Array>> {
  const out = {} as Record<Backends, Float32Array>;
  for (const backend of ['cpu', 'native'] as const) {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const y = fn();
    out[backend] = (await y.data()) as Float32Array;
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }
  return out;
}

const host = (shape: number[], seed: number) => {
  const d = randomData(shape, seed);
  return () => tf.tensor(d.values, d.shape);
};

describe.skipIf(!available)(`native kernels over random geometries (kernel 1-5, stride 1-3)${skipped}`, () => {
  const r = rng(98);
  const geometries = Array.from({ length: 30 }, (_, i) => {
    const k = 1 + r.int(5);
    const stride = 1 + r.int(3);
    const dilation = stride === 1 && r.uniform() < 0.3 ? 2 : 1;
    const h = (k - 1) * dilation + 1 + r.int(9);
    const w = (k - 1) * dilation + 1 + r.int(9);
    const pad: 'same' | 'valid' = r.uniform() < 0.5 ? 'same' : 'valid';
    const op = (['conv2d', 'depthwiseConv2d', 'conv2dTranspose'] as const)[i % 3];
    const batch = 1 + r.int(3);
    return { op, k, stride, dilation, h, w, pad, batch, ci: 1 + r.int(6), co: 1 + r.int(7) };
  });
  it.each(
    geometries.map(
      (g) => [`${g.op} k${g.k} s${g.stride} d${g.dilation} ${g.batch}x${g.h}x${g.w}x${g.ci} ${g.pad}`, g] as const,
    ),
  )('%s', async (_n, g) => {
    const fShape = g.op === 'depthwiseConv2d' ? [g.k, g.k, g.ci, 2] : [g.k, g.k, g.ci, g.co];
    const x = host([g.batch, g.h, g.w, g.ci], 5);
    const f = host(fShape, 6);
    const forward = (a: tf.Tensor4D, b: tf.Tensor4D) => {
      if (g.op === 'conv2d') return tf.conv2d(a, b, g.stride, g.pad, 'NHWC', g.dilation);
      if (g.op === 'depthwiseConv2d') return tf.depthwiseConv2d(a, b, g.stride, g.pad, 'NHWC', g.dilation);
      const small = tf.conv2d(a, b, g.stride, g.pad);
      return tf.conv2dTranspose(small, b, [g.batch, g.h, g.w, g.ci], g.stride, g.pad);
    };
    const grads = (which: 0 | 1) => () =>
      tf.tidy(() => {
        const [xt, ft] = [x() as tf.Tensor4D, f() as tf.Tensor4D];
        const wgt = tf.tidy(() => host(forward(xt, ft).shape, 7)());
        return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(forward(a as tf.Tensor4D, b as tf.Tensor4D), wgt)),
        )([xt, ft])[which];
      });
    const y = await onBoth(() => tf.tidy(() => forward(x() as tf.Tensor4D, f() as tf.Tensor4D)));
    const dx = await onBoth(grads(0));
    const df = await onBoth(grads(1));
    expect(relativeError(y.native, y.cpu)).toBeLessThan(1e-4);
    expect(relativeError(dx.native, dx.cpu)).toBeLessThan(1e-4);
    expect(relativeError(df.native, df.cpu)).toBeLessThan(1e-4);
  });
});

describe.skipIf(!available)(`native matmul and fused kernels equal the cpu backend${skipped}`, () => {
  const matmuls = [
    { a: [7, 5], b: [5, 3], ta: false, tb: false },
    { a: [5, 7], b: [5, 3], ta: true, tb: false },
    { a: [7, 5], b: [3, 5], ta: false, tb: true },
    { a: [4, 5, 7], b: [4, 3, 5], ta: true, tb: true },
    { a: [3, 65, 130], b: [130, 129], ta: false, tb: false }, // b broadcast over the batch
    { a: [1, 2, 9], b: [6, 9, 4], ta: false, tb: false }, // a broadcast over the batch
    { a: [300, 200], b: [200, 260], ta: false, tb: false }, // big enough to split over threads
  ];
  it.each(matmuls.map((m) => [`matMul ${m.a} x ${m.b}${m.ta ? ' tA' : ''}${m.tb ? ' tB' : ''}`, m] as const))(
    '%s',
    async (_n, m) => {
      const a = host(m.a, 11);
      const b = host(m.b, 12);
      const out = await onBoth(() => tf.tidy(() => tf.matMul(a(), b(), m.ta, m.tb)));
      expect(relativeError(out.native, out.cpu)).toBeLessThan(1e-4);
    },
  );

  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  it.each(activations.map((a) => [a] as const))('fused conv2d, depthwise and matmul with bias and %s', async (act) => {
    const x = host([2, 9, 7, 3], 21);
    const f = host([3, 3, 3, 5], 22);
    const fd = host([3, 3, 3, 2], 23);
    const bias = host([5], 24);
    const biasD = host([6], 25);
    const prelu = host([5], 26);
    const preluD = host([6], 27);
    const extra = (p: () => tf.Tensor) => ({
      activation: act,
      leakyreluAlpha: act === 'leakyrelu' ? 0.2 : undefined,
      preluActivationWeights: act === 'prelu' ? p() : undefined,
    });
    const conv = await onBoth(() =>
      tf.tidy(() =>
        tf.fused.conv2d({
          x: x() as tf.Tensor4D,
          filter: f() as tf.Tensor4D,
          strides: 2,
          pad: 'same',
          bias: bias(),
          ...extra(prelu),
        }),
      ),
    );
    const depthwise = await onBoth(() =>
      tf.tidy(() =>
        tf.fused.depthwiseConv2d({
          x: x() as tf.Tensor4D,
          filter: fd() as tf.Tensor4D,
          strides: 1,
          pad: 'valid',
          bias: biasD(),
          ...extra(preluD),
        }),
      ),
    );
    const mm = await onBoth(() =>
      tf.tidy(() =>
        tf.fused.matMul({
          a: tf.reshape(x(), [42, 9]) as tf.Tensor2D,
          b: tf.reshape(f(), [9, 15]) as tf.Tensor2D,
          bias: tf.tile(bias(), [3]),
          activation: act,
          leakyreluAlpha: 0.2,
          preluActivationWeights: act === 'prelu' ? tf.tile(prelu(), [3]) : undefined,
        }),
      ),
    );
    expect(relativeError(conv.native, conv.cpu)).toBeLessThan(1e-4);
    expect(relativeError(depthwise.native, depthwise.cpu)).toBeLessThan(1e-4);
    expect(relativeError(mm.native, mm.cpu)).toBeLessThan(1e-4);
  });
});

describe.skipIf(!available)(`native sums, means and identity equal the cpu backend${skipped}`, () => {
  const reductions: Array<[number[], number | number[], boolean]> = [
    [[8, 32, 32, 16], [0, 1, 2], false], // a bias gradient
    [[8, 32, 32, 16], [1, 2], true], // per-image channel means
    [[4, 9, 7, 5], [3], false], // innermost
    [[4, 9, 7, 5], [0, 2], false], // not adjacent: the wasm kernel
    [[3, 5], -1, true],
    [[6, 1000], [0, 1], false], // all axes
  ];
  it.each(reductions.map((r) => [`${r[0]} over ${r[1]}${r[2] ? ' keepDims' : ''}`, ...r] as const))(
    '%s',
    async (_n, shape, axis, keepDims) => {
      const x = host(shape, 31);
      for (const op of [tf.sum, tf.mean]) {
        const out = await onBoth(() => tf.tidy(() => op(x(), axis, keepDims)));
        expect(relativeError(out.native, out.cpu)).toBeLessThan(1e-5);
      }
      await tf.setBackend('native');
      expect(tf.tidy(() => tf.sum(x(), axis, keepDims).shape)).toEqual(
        (await tf.setBackend('cpu')) && tf.tidy(() => tf.sum(x(), axis, keepDims).shape),
      );
    },
  );

  it('identity shares the data and survives disposing its input', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3]);
    const y = x.clone();
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('native backend when it is forced', () => {
  it('either starts or says how to install it', async () => {
    const result = await initBackend('native', { log: false }).then(
      (name) => name,
      (error: Error) => error,
    );
    if (available) {
      expect(result).toBe('native');
    } else {
      expect(String(result)).toMatch(/apt-get install build-essential libopenblas-dev/);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, loadNative, type NativeKernels } from './index.js';
import {
  convBackpropFilter,
  convBackpropInput,
  convForward,
  type Geometry,
  geometryArgs,
  matmul,
  relativeError,
} from './testing/reference.js';

// The addon's kernels against plain loops, without TensorFlow.js (core's tests compare the tfjs backend
// with tfjs's cpu backend). Skipped, with the reason in the names, when the addon is not built.
const status = loadNative();
const kernels = status.available ? status.kernels : (null as unknown as NativeKernels);
const skipped = status.available ? '' : ` (skipped: ${status.reason})`;
if (!status.available) console.warn(`@scalespace/native kernel tests skipped: ${status.reason}`);

/** One ArrayBuffer holding several float arrays, each 64-byte aligned, like tensors in the wasm heap. */
function arena(sizes: number[]): { buffer: ArrayBuffer; offsets: number[]; views: Float32Array[] } {
  const offsets: number[] = [];
  let bytes = 64; // offset 0 stays unused so that a wrong offset of 0 cannot pass by accident
  for (const s of sizes) {
    offsets.push(bytes);
    bytes += Math.ceil((s * 4) / 64) * 64;
  }
  const buffer = new ArrayBuffer(bytes);
  return { buffer, offsets, views: sizes.map((s, i) => new Float32Array(buffer, offsets[i], s)) };
}

let seed = 1;
function fillRandom(v: Float32Array): Float32Array {
  for (let i = 0; i < v.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    v[i] = seed / 1073741824 - 1;
  }
  return v;
}

function geometry(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outC: number,
  k: number,
  stride: number,
  dilation: number,
  pad: 'same' | 'valid' | [number, number],
): Geometry {
  const span = (k - 1) * dilation + 1;
  const out = (size: number) =>
    pad === 'same'
      ? Math.ceil(size / stride)
      : Math.floor((size + (Array.isArray(pad) ? pad[0] + pad[1] : 0) - span) / stride) + 1;
  const outH = out(inH);
  const outW = out(inW);
  const before = (size: number, o: number) =>
    pad === 'same' ? Math.floor(Math.max(0, (o - 1) * stride + span - size) / 2) : Array.isArray(pad) ? pad[0] : 0;
  return {
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    kH: k,
    kW: k,
    strideH: stride,
    strideW: stride,
    dilationH: dilation,
    dilationW: dilation,
    padTop: before(inH, outH),
    padLeft: before(inW, outW),
  };
}

const NO_EPILOGUE = [-1, 0, 0, -1, 0];
const mismatches = (a: Float32Array, b: Float32Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);
const geometries: Array<[string, Geometry]> = [
  ['3x3 same', geometry(2, 9, 8, 3, 4, 3, 1, 1, 'same')],
  ['3x3 stride 2 same', geometry(2, 9, 8, 3, 4, 3, 2, 1, 'same')],
  ['3x3 dilation 2 same', geometry(2, 9, 8, 3, 4, 3, 1, 2, 'same')],
  ['3x3 stride 2 valid', geometry(1, 11, 7, 5, 6, 3, 2, 1, 'valid')],
  ['5x5 explicit pad', geometry(3, 8, 9, 2, 3, 5, 1, 1, [1, 3])],
  ['4x4 stride 3 same', geometry(2, 10, 13, 3, 2, 4, 3, 1, 'same')],
  ['1x1 pointwise', geometry(2, 6, 5, 7, 9, 1, 1, 1, 'valid')],
  ['1x1 stride 2', geometry(2, 7, 6, 4, 3, 1, 2, 1, 'valid')],
  ['3x3 wide (threads split tiles)', geometry(4, 33, 31, 16, 24, 3, 1, 1, 'same')],
];

describe.skipIf(!status.available)(`native conv kernels equal plain loops${skipped}`, () => {
  for (const depthwise of [false, true]) {
    it.each(geometries)(`${depthwise ? 'depthwise' : 'conv2d'} %s`, (_name, base) => {
      const g = depthwise ? { ...base, outC: base.inC * 2 } : base;
      const fSize = g.kH * g.kW * (depthwise ? g.outC : g.inC * g.outC);
      const xSize = g.batch * g.inH * g.inW * g.inC;
      const ySize = g.batch * g.outH * g.outW * g.outC;
      const { buffer, offsets, views } = arena([xSize, fSize, ySize, ySize, xSize, fSize]);
      const [x, f, y, dy, dx, df] = views;
      fillRandom(x);
      fillRandom(f);
      fillRandom(dy);
      const [ox, of, oy, ody, odx, odf] = offsets;
      let first: Float32Array[] | null = null;
      for (const threads of [1, 2, 3]) {
        kernels.setThreads(threads);
        if (depthwise) {
          kernels.depthwiseConv2d(buffer, ox, of, oy, ...geometryArgs(g), ...NO_EPILOGUE);
          kernels.depthwiseBackpropInput(buffer, ody, of, odx, ...geometryArgs(g));
          kernels.depthwiseBackpropFilter(buffer, ox, ody, odf, ...geometryArgs(g));
        } else {
          kernels.conv2d(buffer, ox, of, oy, ...geometryArgs(g), ...NO_EPILOGUE);
          kernels.conv2dBackpropInput(buffer, ody, of, odx, ...geometryArgs(g));
          kernels.conv2dBackpropFilter(buffer, ox, ody, odf, ...geometryArgs(g));
        }
        expect(relativeError(y, convForward(g, x, f, depthwise))).toBeLessThan(1e-5);
        expect(relativeError(dx, convBackpropInput(g, dy, f, depthwise))).toBeLessThan(1e-5);
        expect(relativeError(df, convBackpropFilter(g, x, dy, depthwise))).toBeLessThan(1e-5);
        // Bit for bit the same on any number of threads.
        if (first) for (const [i, v] of [y, dx, df].entries()) expect(mismatches(v, first[i])).toBe(0);
        else first = [y, dx, df].map((v) => v.slice());
      }
    });
  }
});

describe.skipIf(!status.available)(`native matmul equals plain loops${skipped}`, () => {
  const cases = [
    { batch: 1, m: 7, n: 5, k: 3, ta: false, tb: false, broadcastB: false },
    { batch: 3, m: 130, n: 70, k: 33, ta: true, tb: false, broadcastB: false },
    { batch: 2, m: 65, n: 300, k: 40, ta: false, tb: true, broadcastB: true },
    { batch: 1, m: 257, n: 260, k: 129, ta: true, tb: true, broadcastB: false },
  ];
  it.each(cases.map((c) => [`${c.batch}x${c.m}x${c.n}x${c.k} tA ${c.ta} tB ${c.tb}`, c] as const))('%s', (_n, c) => {
    const aSize = c.m * c.k;
    const bSize = c.k * c.n;
    const { buffer, offsets, views } = arena([
      c.batch * aSize,
      (c.broadcastB ? 1 : c.batch) * bSize,
      c.batch * c.m * c.n,
      c.n,
    ]);
    const [a, b, out, bias] = views.map(fillRandom);
    let first: Float32Array | null = null;
    for (const threads of [1, 2]) {
      kernels.setThreads(threads);
      // With a bias and relu: the fused kernels' epilogue.
      kernels.matmul(
        buffer,
        c.batch,
        +c.ta,
        +c.tb,
        c.m,
        c.n,
        c.k,
        offsets[0],
        aSize,
        offsets[1],
        c.broadcastB ? 0 : bSize,
        offsets[2],
        offsets[3],
        ACTIVATIONS.relu,
        0,
        -1,
        0,
      );
      for (let i = 0; i < c.batch; i++) {
        const ref = matmul(a.subarray(i * aSize), b.subarray(c.broadcastB ? 0 : i * bSize), c.m, c.n, c.k, c.ta, c.tb);
        for (let j = 0; j < ref.length; j++) ref[j] = Math.max(0, ref[j] + bias[j % c.n]);
        expect(relativeError(out.subarray(i * c.m * c.n, (i + 1) * c.m * c.n), ref)).toBeLessThan(1e-5);
      }
      if (first) expect(mismatches(out, first)).toBe(0);
      else first = out.slice();
    }
  });
});

describe.skipIf(!status.available)(`native sums over adjacent axes equal plain loops${skipped}`, () => {
  it.each([
    [1, 8192, 16],
    [3, 100, 1],
    [1, 5, 1],
    [64, 700, 9],
    [5000, 3, 2],
  ])('[outer %i, reduce %i, inner %i]', (outer, reduce, inner) => {
    const { buffer, offsets, views } = arena([outer * reduce * inner, outer * inner]);
    const [x, out] = views;
    fillRandom(x);
    const ref = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < reduce; r++)
        for (let i = 0; i < inner; i++) ref[o * inner + i] += x[(o * reduce + r) * inner + i] / reduce;
    let first: Float32Array | null = null;
    for (const threads of [1, 2, 3]) {
      kernels.setThreads(threads);
      kernels.reduceSum(buffer, offsets[0], offsets[1], outer, reduce, inner, 1 / reduce);
      expect(relativeError(out, ref)).toBeLessThan(1e-5);
      if (first) expect(mismatches(out, first)).toBe(0);
      else first = out.slice();
    }
  });
});

describe.skipIf(!status.available)(`native kernels reject bad arguments${skipped}`, () => {
  const g = geometry(1, 4, 4, 2, 2, 3, 1, 1, 'same');
  it('an array that ends past the buffer', () => {
    const { buffer, offsets } = arena([32, 36, 32]);
    expect(() =>
      kernels.conv2d(buffer, offsets[0], offsets[1], offsets[2] + 64, ...geometryArgs(g), ...NO_EPILOGUE),
    ).toThrow(/outside the buffer/);
  });
  it('a misaligned offset, a bad geometry, a missing buffer', () => {
    const { buffer, offsets } = arena([32, 36, 32]);
    expect(() =>
      kernels.conv2d(buffer, offsets[0] + 2, offsets[1], offsets[2], ...geometryArgs(g), ...NO_EPILOGUE),
    ).toThrow(RangeError);
    expect(() =>
      kernels.conv2d(buffer, offsets[0], offsets[1], offsets[2], ...geometryArgs({ ...g, strideH: 0 }), ...NO_EPILOGUE),
    ).toThrow(/geometry/);
    expect(() => kernels.conv2d(new Float32Array(4) as unknown as ArrayBuffer, 0, 0, 0)).toThrow(/ArrayBuffer/);
  });
  it('thread counts out of range', () => {
    expect(() => kernels.setThreads(0)).toThrow(RangeError);
    expect(kernels.setThreads(2)).toBe(2);
  });
});

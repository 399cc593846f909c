// Convolution test cases shared by the wasm and native kernel tests: every conv kind core trains, with
// strides 1 and 2, same/valid/explicit padding and dilations 1 and 2, on odd sizes with batch 2; and
// the gradients of each, computed on a given backend. Test-only (not exported by the package).
import { rng } from '../rng.js';
import { tf } from '../tf.js';

export type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
export type Op = 'conv2d' | 'conv2dTranspose' | 'depthwiseConv2d';
export interface Case {
  op: Op;
  stride: 1 | 2;
  pad: Pad;
  dilation: 1 | 2;
}

const explicit: Pad = [
  [0, 0],
  [1, 2],
  [2, 0],
  [0, 0],
];

export const convCases: Case[] = [];
for (const op of ['conv2d', 'conv2dTranspose', 'depthwiseConv2d'] as const) {
  for (const stride of [1, 2] as const) {
    for (const pad of ['same', 'valid', explicit] as Pad[]) {
      for (const dilation of [1, 2] as const) {
        if (stride === 2 && dilation === 2) continue; // tfjs convs reject stride > 1 together with dilation > 1
        if (op === 'conv2dTranspose' && (dilation === 2 || Array.isArray(pad))) continue; // tfjs has neither here
        convCases.push({ op, stride, pad, dilation });
      }
    }
  }
}

export const N = 2;
export const H = 9;
export const W = 8;
export const CI = 3;
export const CO = 4;
export const K = 3;
export const MULT = 2;

export interface HostData {
  shape: number[];
  values: Float32Array;
}

export function randomData(shape: number[], seed: number): HostData {
  const r = rng(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = r.normal();
  return { shape, values };
}

export function applyCase(c: Case, x: tf.Tensor4D, f: tf.Tensor4D): tf.Tensor4D {
  switch (c.op) {
    case 'conv2d':
      return tf.conv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation);
    case 'depthwiseConv2d':
      return tf.depthwiseConv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation);
    case 'conv2dTranspose': {
      // x plays dy's role: output spatial size chosen so that conv2d(out) has x's size.
      const outH = c.pad === 'same' ? H * c.stride : (H - 1) * c.stride + K;
      const outW = c.pad === 'same' ? W * c.stride : (W - 1) * c.stride + K;
      return tf.conv2dTranspose(x, f, [N, outH, outW, CI], c.stride, c.pad as 'same' | 'valid');
    }
  }
}

export function filterShape(c: Case): [number, number, number, number] {
  if (c.op === 'conv2d') return [K, K, CI, CO];
  if (c.op === 'depthwiseConv2d') return [K, K, CI, MULT];
  return [K, K, CI, CO]; // transpose: [KH, KW, outChannels, inChannels]
}

/** The op's output and d/dx, d/df of sum(op(x, f) * weights), on the given backend; `leaked` counts tensors left. */
export async function caseGradients(backend: string, c: Case, xData: HostData, fData: HostData) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(xData.values, xData.shape as [number, number, number, number]);
  const f = tf.tensor4d(fData.values, fData.shape as [number, number, number, number]);
  const y = applyCase(c, x, f);
  const w = tf.tensor(randomData(y.shape, 7).values, y.shape);
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(applyCase(c, a as tf.Tensor4D, b as tf.Tensor4D), w)),
  )([x, f]);
  const result = { y: await y.data(), dx: await dx.data(), df: await df.data() };
  tf.dispose([x, f, y, w, dx, df]);
  return { ...result, leaked: tf.memory().numTensors - before };
}

/** max |a - b| / max |b|. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

export const padName = (p: Pad) => (Array.isArray(p) ? 'explicit' : p);

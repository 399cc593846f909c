// Backprop kernels that tfjs-backend-wasm lacks (or has only as slow scalar loops), composed from
// kernels wasm runs fast through XNNPACK: pad, strided slice, transpose, reverse, conv2d, depthwise conv2d.
//
// - Conv2DBackpropFilter: one conv2d whose "image" is x with batch and channels swapped and whose
//   "filter" is dy, dilated by the forward stride. The contraction over batch and output positions
//   becomes the conv's inner product, so XNNPACK does the whole reduction as one GEMM.
// - Conv2DBackpropInput (replaces wasm's scalar loop, ~10x slower than the forward conv): dy padded
//   and correlated with the rotated, in/out-swapped filter; for strided convs, one correlation per
//   output phase with every s-th tap, interleaved.
// - DepthwiseConv2dNativeBackpropInput: the same with a depthwise conv.
// - DepthwiseConv2dNativeBackpropFilter: one depthwise conv over the batch-and-channel pairs, with dy as
//   the filter, then a sum over the batch.
//
// Kernels run inside the engine with the tape off, so the ops used here are not recorded; they
// return a Tensor, which the engine accepts as a kernel output.

import * as ops from '@tensorflow/tfjs-core';
import {
  backend_util,
  engine,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  Tensor,
  type Tensor4D,
  type TensorInfo,
  tidy,
} from '@tensorflow/tfjs-core';

type Pad = backend_util.PadInfo | 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Pair = [number, number];

const pair = (v: number | Pair | undefined, fallback = 1): Pair =>
  v == null ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;

function asTensor4D(info: TensorInfo): Tensor4D {
  if (info instanceof Tensor) return info as Tensor4D;
  return engine().makeTensorFromTensorInfo(info) as Tensor4D;
}

/** Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor. */
export function padOrCropSpatial(x: Tensor4D, top: number, bottom: number, left: number, right: number): Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t = Math.max(0, -top);
    const l = Math.max(0, -left);
    const hh = h - t - Math.max(0, -bottom);
    const ww = w - l - Math.max(0, -right);
    y = ops.slice(y, [0, t, l, 0], [n, hh, ww, c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = ops.pad(y, [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ]);
  }
  return y;
}

/** Inserts (s - 1) zero rows/columns between neighbouring rows/columns: [N,H,W,C] -> [N,(H-1)sh+1,(W-1)sw+1,C]. */
export function insertZeros(x: Tensor4D, sh: number, sw: number): Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = ops.pad(ops.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return ops.slice(
    ops.reshape(spread, [n, h * sh, w * sw, c]),
    [0, 0, 0, 0],
    [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c],
  ) as Tensor4D;
}

interface Geometry {
  strides: Pair;
  dilations: Pair;
  top: number;
  left: number;
  outHeight: number;
  outWidth: number;
}

function geometry(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: Pair,
  dilations: Pair,
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): Geometry {
  const info = backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    strides,
    dilations,
    pad as never,
    dimRoundingMode,
    depthwise,
  );
  return {
    strides,
    dilations,
    top: info.padInfo.top,
    left: info.padInfo.left,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
  };
}

/**
 * The gradient of a conv with respect to its input, for a forward conv with the given geometry.
 * Stride 1: pad dy so that a correlation with the rotated filter lands on every input pixel.
 * Stride s > 1: dy with zeros between its rows/columns would waste s^2 of the work on zeros, so the
 * input is computed in s x s phases instead (rows h = s q + r): each phase is a stride-1 correlation of
 * dy with every s-th tap of the rotated filter, and the phases are interleaved at the end.
 */
function backpropInputNHWC(
  dy: Tensor4D,
  rotatedFilter: Tensor4D,
  inShape: [number, number, number, number],
  kernel: Pair,
  g: Geometry,
  depthwise: boolean,
): Tensor4D {
  const [kh, kw] = kernel;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const correlate = (input: Tensor4D, filter: Tensor4D) =>
    depthwise
      ? ops.depthwiseConv2d(input, filter, 1, 'valid', 'NHWC', [dh, dw])
      : ops.conv2d(input, filter, 1, 'valid', 'NHWC', [dh, dw]);
  if (sh === 1 && sw === 1) {
    const padTop = (kh - 1) * dh - g.top;
    const padLeft = (kw - 1) * dw - g.left;
    const padBottom = inShape[1] + (kh - 1) * dh - dy.shape[1] - padTop;
    const padRight = inShape[2] + (kw - 1) * dw - dy.shape[2] - padLeft;
    return correlate(padOrCropSpatial(dy, padTop, padBottom, padLeft, padRight), rotatedFilter);
  }
  if (dh !== 1 || dw !== 1) {
    // tfjs convs never combine stride and dilation; keep the simple zero-insertion form for completeness.
    const up = insertZeros(dy, sh, sw);
    const padTop = (kh - 1) * dh - g.top;
    const padLeft = (kw - 1) * dw - g.left;
    const padBottom = inShape[1] + (kh - 1) * dh - up.shape[1] - padTop;
    const padRight = inShape[2] + (kw - 1) * dw - up.shape[2] - padLeft;
    return correlate(padOrCropSpatial(up, padTop, padBottom, padLeft, padRight), rotatedFilter);
  }
  const [n, h, w] = inShape;
  const outChannels = depthwise ? dy.shape[3] : rotatedFilter.shape[3];
  const rowsPerPhase = Math.ceil(h / sh);
  const colsPerPhase = Math.ceil(w / sw);
  // For phase r along one axis: the first rotated tap that lands on it, and how dy must be shifted.
  const phase = (r: number, size: number, k: number, s: number, before: number, dyLength: number) => {
    const shift = r + before - k + 1;
    const first = ((-shift % s) + s) % s;
    const count = r < size ? Math.ceil((size - r) / s) : 0;
    const taps = first < k ? Math.ceil((k - first) / s) : 0;
    const offset = (shift + first) / s;
    return { first, count, taps, padBefore: -offset, padAfter: offset + count + taps - 2 - (dyLength - 1) };
  };
  const rows: Tensor4D[] = [];
  for (let rh = 0; rh < sh; rh++) {
    const ph = phase(rh, h, kh, sh, g.top, dy.shape[1]);
    const cols: Tensor4D[] = [];
    for (let rw = 0; rw < sw; rw++) {
      const pw = phase(rw, w, kw, sw, g.left, dy.shape[2]);
      let part: Tensor4D;
      if (ph.taps === 0 || pw.taps === 0 || ph.count === 0 || pw.count === 0) {
        part = ops.zeros([n, ph.count, pw.count, outChannels]);
      } else {
        const sub = ops.stridedSlice(rotatedFilter, [ph.first, pw.first, 0, 0], rotatedFilter.shape, [
          sh,
          sw,
          1,
          1,
        ]) as Tensor4D;
        part = correlate(padOrCropSpatial(dy, ph.padBefore, ph.padAfter, pw.padBefore, pw.padAfter), sub);
      }
      cols.push(padOrCropSpatial(part, 0, rowsPerPhase - ph.count, 0, colsPerPhase - pw.count));
    }
    rows.push(ops.stack(cols, 3) as unknown as Tensor4D); // [N, Q, Q', sw, C]
  }
  const interleaved = ops.reshape(ops.stack(rows, 2), [n, rowsPerPhase * sh, colsPerPhase * sw, outChannels]);
  return ops.slice(interleaved, [0, 0, 0, 0], [n, h, w, outChannels]) as Tensor4D;
}

function toNHWC(x: Tensor4D, dataFormat: string | undefined): Tensor4D {
  return dataFormat === 'NCHW' ? ops.transpose(x, [0, 2, 3, 1]) : x;
}

function fromNHWC(x: Tensor4D, dataFormat: string | undefined): Tensor4D {
  return dataFormat === 'NCHW' ? ops.transpose(x, [0, 3, 1, 2]) : x;
}

function nhwcShape(shape: number[], dataFormat: string | undefined): [number, number, number, number] {
  const [a, b, c, d] = shape;
  return dataFormat === 'NCHW' ? [a, c, d, b] : [a, b, c, d];
}

type Shape4 = [number, number, number, number];

/** dW of a convolution from its input and its output's gradient dy (a kernel's composed backprop). */
type FilterGradient = (
  x: Tensor4D,
  dy: Tensor4D,
  filterShape: Shape4,
  strides: Pair,
  dilations: Pair,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
) => Tensor4D;

/** dX of a convolution from its output's gradient dy and its filter. */
type InputGradient = (
  dy: Tensor4D,
  filter: Tensor4D,
  inShape: Shape4,
  strides: Pair,
  dilations: Pair,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
) => Tensor4D;

/**
 * The padded (or cropped) input a forward conv reads: rows up to (OH-1)*sh + (KH-1)*dh + 1 of it, and the
 * columns likewise; the filter gradients correlate it with dy.
 */
function inputAsRead(x: Tensor4D, g: Geometry, [kh, kw]: number[], [sh, sw]: Pair, [dh, dw]: Pair): Tensor4D {
  const needH = (g.outHeight - 1) * sh + (kh - 1) * dh + 1;
  const needW = (g.outWidth - 1) * sw + (kw - 1) * dw + 1;
  return padOrCropSpatial(x, g.top, needH - x.shape[1] - g.top, g.left, needW - x.shape[2] - g.left);
}

/** dW for conv2d: x [N,H,W,Ci], dy [N,OH,OW,Co] -> [KH,KW,Ci,Co]. */
export const conv2dBackpropFilterComposed: FilterGradient = (x, dy, shape, strides, dilations, pad, rounding) =>
  tidy(() => {
    const [kh, kw, ci, co] = shape;
    const g = geometry(x.shape, shape, strides, dilations, pad, rounding, false);
    const [sh, sw] = strides;
    const [dh, dw] = dilations;
    const xp = inputAsRead(x, g, shape, strides, dilations);
    const image = ops.transpose(xp, [3, 1, 2, 0]); // [Ci, H', W', N]
    const filter = ops.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    // Output position (a, b) of this conv is filter tap (a, b): stride = forward dilation, dilation = forward stride.
    const out = engine().runKernel(
      'Conv2D',
      { x: image, filter },
      { strides: [dh, dw], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] },
    ) as Tensor4D; // [Ci, KH, KW, Co]
    const taps = out.shape[1] === kh && out.shape[2] === kw ? out : ops.slice(out, [0, 0, 0, 0], [ci, kh, kw, co]);
    return ops.transpose(taps, [1, 2, 0, 3]);
  });

/** dX for conv2d: dy [N,OH,OW,Co], filter [KH,KW,Ci,Co] -> [N,H,W,Ci]. */
export const conv2dBackpropInputComposed: InputGradient = (dy, filter, inShape, strides, dilations, pad, rounding) =>
  tidy(() => {
    const g = geometry(inShape, filter.shape, strides, dilations, pad, rounding, false);
    const rotated = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [KH,KW,Co,Ci]
    return backpropInputNHWC(dy, rotated, inShape, [filter.shape[0], filter.shape[1]], g, false);
  });

/** dW for depthwise conv: x [N,H,W,C], dy [N,OH,OW,C*M] -> [KH,KW,C,M]. */
export const depthwiseBackpropFilterComposed: FilterGradient = (x, dy, shape, strides, dilations, pad, rounding) =>
  tidy(() => {
    const [kh, kw, c, m] = shape;
    const g = geometry(x.shape, shape, strides, dilations, pad, rounding, true);
    const [sh, sw] = strides;
    const [dh, dw] = dilations;
    const [n] = x.shape;
    const xp = inputAsRead(x, g, shape, strides, dilations);
    const [, needH, needW] = xp.shape;
    // One depthwise conv over a single "image" whose N*C channels are (batch, channel) pairs, with dy as
    // the per-channel filter: output (a, b) is tap (a, b) of each pair's correlation; then sum over the batch.
    const image = ops.reshape(ops.transpose(xp, [1, 2, 0, 3]), [1, needH, needW, n * c]);
    const filter = ops.reshape(ops.transpose(ops.reshape(dy, [n, g.outHeight, g.outWidth, c, m]), [1, 2, 0, 3, 4]), [
      g.outHeight,
      g.outWidth,
      n * c,
      m,
    ]);
    const out = engine().runKernel(
      'DepthwiseConv2dNative',
      { x: image, filter },
      { strides: [dh, dw], pad: 'valid', dilations: [sh, sw] },
    ) as Tensor4D; // [1, KH', KW', N*C*M]
    const taps = ops.slice(out, [0, 0, 0, 0], [1, kh, kw, n * c * m]);
    return ops.sum(ops.reshape(taps, [kh, kw, n, c, m]), 2) as Tensor4D;
  });

/** dX for depthwise conv: dy [N,OH,OW,C*M], filter [KH,KW,C,M] -> [N,H,W,C]. */
export const depthwiseBackpropInputComposed: InputGradient = (dy, filter, inShape, strides, dilations, pad, rounding) =>
  tidy(() => {
    const [kh, kw, c, m] = filter.shape;
    const g = geometry(inShape, filter.shape, strides, dilations, pad, rounding, true);
    // Each of the C*M dy channels is correlated with its own rotated tap, then the M copies summed.
    const rotated = ops.reshape(ops.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    const perCopy = backpropInputNHWC(dy, rotated as Tensor4D, inShape, [kh, kw], g, true);
    if (m === 1) return perCopy;
    const [n, h, w] = inShape;
    return ops.sum(ops.reshape(perCopy, [n, h, w, c, m]), 4) as Tensor4D;
  });

const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as never as {
    strides: number | Pair;
    pad: Pad;
    dataFormat?: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  return tidy(() => {
    const x = toNHWC(asTensor4D(inputs.x as TensorInfo), dataFormat);
    const dy = toNHWC(asTensor4D(inputs.dy as TensorInfo), dataFormat);
    return conv2dBackpropFilterComposed(x, dy, filterShape, pair(strides), [1, 1], pad, dimRoundingMode);
  });
};

const conv2DBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as never as {
    strides: number | Pair;
    pad: Pad;
    dataFormat?: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: number[];
  };
  return tidy(() => {
    const dy = toNHWC(asTensor4D(inputs.dy as TensorInfo), dataFormat);
    const filter = asTensor4D(inputs.filter as TensorInfo);
    const shape = nhwcShape(inputShape, dataFormat);
    const dx = conv2dBackpropInputComposed(dy, filter, shape, pair(strides), [1, 1], pad, dimRoundingMode);
    return fromNHWC(dx, dataFormat);
  });
};

const depthwiseBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as never as {
    strides: number | Pair;
    dilations?: number | Pair;
    pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  const x = asTensor4D(inputs.x as TensorInfo);
  const dy = asTensor4D(inputs.dy as TensorInfo);
  return depthwiseBackpropFilterComposed(x, dy, filterShape, pair(strides), pair(dilations), pad, dimRoundingMode);
};

const depthwiseBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as never as {
    strides: number | Pair;
    dilations?: number | Pair;
    pad: Pad;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  const dy = asTensor4D(inputs.dy as TensorInfo);
  const filter = asTensor4D(inputs.filter as TensorInfo);
  return depthwiseBackpropInputComposed(dy, filter, inputShape, pair(strides), pair(dilations), pad, dimRoundingMode);
};

/** The kernels core adds to the wasm backend, by tfjs kernel name. */
export const wasmTrainingKernels: readonly KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput },
];

/**
 * Registers the training kernels for the wasm backend. Idempotent. wasm's own Conv2DBackpropInput
 * (a scalar loop) is replaced by the composed one, which is several times faster.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing) ops.unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
}

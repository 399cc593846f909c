// The kernels of the `native` backend: the wasm backend's tensors (same instance, same heap) with
// matmul and the convolutions (and their gradients) computed by @scalespace/native's OpenBLAS addon.
// Inputs are read and outputs written in place in the wasm heap: the addon gets the heap's ArrayBuffer
// and byte offsets, so no tensor is copied. Cases the addon does not cover (NCHW, other dtypes, bias
// shapes the fused kernels do not fuse) run the wasm kernel.

import {
  backend_util,
  broadcast_util,
  getKernel,
  getKernelsForBackend,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';

/** The addon calls core makes (a structural copy of @scalespace/native's NativeKernels). */
export interface NativeKernels {
  matmul(buffer: ArrayBufferLike, ...args: number[]): void;
  conv2d(buffer: ArrayBufferLike, ...args: number[]): void;
  conv2dBackpropInput(buffer: ArrayBufferLike, ...args: number[]): void;
  conv2dBackpropFilter(buffer: ArrayBufferLike, ...args: number[]): void;
  depthwiseConv2d(buffer: ArrayBufferLike, ...args: number[]): void;
  depthwiseBackpropInput(buffer: ArrayBufferLike, ...args: number[]): void;
  depthwiseBackpropFilter(buffer: ArrayBufferLike, ...args: number[]): void;
  reduceSum(buffer: ArrayBufferLike, ...args: number[]): void;
  setThreads(threads: number): number;
  info(): { threads: number; blas: string; blasCore: string };
}

/** What the kernels use of tfjs-backend-wasm's BackendWasm. */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  incRef(dataId: object): void;
}

type Args = Parameters<KernelFunc>[0];
type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
type Pair = number | [number, number];

const NONE = -1;
const NO_EPILOGUE = [NONE, 0, 0, NONE, 0];
const ACTIVATIONS: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};

const offsetOf = (backend: WasmHeapBackend, t: TensorInfo) =>
  (backend.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset;

function geometry(info: backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** Allocates the output on the wasm heap, then lets `fill` write it through the heap's current buffer. */
function output(backend: WasmHeapBackend, shape: number[], fill: (heap: ArrayBufferLike, out: number) => void) {
  const out = backend.makeOutput(shape, 'float32');
  // Read the buffer after the allocation: growing the heap replaces it.
  if (util.sizeFromShape(shape) > 0) fill(backend.wasm.HEAPU8.buffer, offsetOf(backend, out));
  return out;
}

function wasmKernel(name: string): KernelFunc {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc;
}

const allFloat = (...ts: Array<TensorInfo | undefined>) => ts.every((t) => t == null || t.dtype === 'float32');

/** Whether a bias or prelu tensor is one value per channel (last axis), or a single value where allowed. */
function perChannel(t: TensorInfo | undefined, channels: number, scalarOk: boolean): boolean {
  if (t == null) return true;
  const size = util.sizeFromShape(t.shape);
  if (scalarOk && size === 1) return true;
  return t.shape[t.shape.length - 1] === channels && size === channels;
}

/** The fused kernels' bias and activation as the addon's 5 epilogue numbers, or null to use wasm. */
function epilogue(backend: WasmHeapBackend, args: Args, channels: number): number[] | null {
  const { bias, preluActivationWeights: prelu } = args.inputs as Record<string, TensorInfo | undefined>;
  const { activation = 'linear', leakyreluAlpha = 0 } = args.attrs as { activation?: string; leakyreluAlpha?: number };
  const code = ACTIVATIONS[activation];
  if (code === undefined || !allFloat(bias, prelu)) return null;
  if (!perChannel(bias, channels, false) || !perChannel(prelu, channels, true)) return null;
  if (code === ACTIVATIONS.prelu && prelu == null) return null;
  return [
    bias ? offsetOf(backend, bias) : NONE,
    code,
    leakyreluAlpha,
    prelu ? offsetOf(backend, prelu) : NONE,
    prelu ? util.sizeFromShape(prelu.shape) : 0,
  ];
}

function matMul(native: NativeKernels, fused: boolean): KernelFunc {
  const name = fused ? '_FusedMatMul' : 'BatchMatMul';
  return (args) => {
    const backend = args.backend as unknown as WasmHeapBackend;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA = false, transposeB = false } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = util.sizeFromShape(outer);
    const broadcastable = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
    const ep = fused ? epilogue(backend, args, n) : NO_EPILOGUE;
    if (k !== kb || !broadcastable || ep == null || !allFloat(a, b)) return wasmKernel(name)(args);
    return output(backend, [...outer, m, n], (heap, out) =>
      native.matmul(
        heap,
        batch,
        +transposeA,
        +transposeB,
        m,
        n,
        k,
        offsetOf(backend, a),
        batchA === 1 ? 0 : m * k,
        offsetOf(backend, b),
        batchB === 1 ? 0 : k * n,
        out,
        ...ep,
      ),
    );
  };
}

interface ConvAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

function convInfo(inShape: number[], filterShape: number[], a: ConvAttrs, depthwise: boolean): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad as never,
    a.dimRoundingMode,
    depthwise,
  );
}

/** Conv2D / DepthwiseConv2dNative and their fused forms: y = conv(x, filter) [+ bias, activation]. */
function convForward(native: NativeKernels, name: string, depthwise: boolean, fused: boolean): KernelFunc {
  const run = depthwise ? native.depthwiseConv2d : native.conv2d;
  return (args) => {
    const backend = args.backend as unknown as WasmHeapBackend;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const info = convInfo(x.shape, filter.shape, a, depthwise);
    const ep = fused ? epilogue(backend, args, info.outChannels) : NO_EPILOGUE;
    if (a.dataFormat === 'NCHW' || ep == null || !allFloat(x, filter)) return wasmKernel(name)(args);
    return output(backend, info.outShape, (heap, out) =>
      run(heap, offsetOf(backend, x), offsetOf(backend, filter), out, ...geometry(info), ...ep),
    );
  };
}

/** Conv2DBackpropInput (also conv2dTranspose) and DepthwiseConv2dNativeBackpropInput. */
function convBackpropInput(native: NativeKernels, name: string, depthwise: boolean): KernelFunc {
  const run = depthwise ? native.depthwiseBackpropInput : native.conv2dBackpropInput;
  return (args) => {
    const backend = args.backend as unknown as WasmHeapBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const inShape = a.inputShape as number[];
    if (a.dataFormat === 'NCHW' || !allFloat(dy, filter)) return wasmKernel(name)(args);
    const info = convInfo(inShape, filter.shape, a, depthwise);
    return output(backend, [...inShape], (heap, out) =>
      run(heap, offsetOf(backend, dy), offsetOf(backend, filter), out, ...geometry(info)),
    );
  };
}

/** Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter. */
function convBackpropFilter(native: NativeKernels, name: string, depthwise: boolean): KernelFunc {
  const run = depthwise ? native.depthwiseBackpropFilter : native.conv2dBackpropFilter;
  return (args) => {
    const backend = args.backend as unknown as WasmHeapBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const filterShape = a.filterShape as number[];
    if (a.dataFormat === 'NCHW' || !allFloat(x, dy)) return wasmKernel(name)(args);
    const info = convInfo(x.shape, filterShape, a, depthwise);
    return output(backend, [...filterShape], (heap, out) =>
      run(heap, offsetOf(backend, x), offsetOf(backend, dy), out, ...geometry(info)),
    );
  };
}

/**
 * Sum and Mean over one block of adjacent axes (x seen as [outer, reduce, inner]), the case of bias
 * gradients and normalisation statistics; wasm would transpose the reduced axes to the end first.
 */
function reduction(native: NativeKernels, name: 'Sum' | 'Mean'): KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as WasmHeapBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const adjacent = axes.length > 0 && axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
    if (!adjacent || x.dtype !== 'float32' || util.sizeFromShape(x.shape) === 0) return wasmKernel(name)(args);
    const first = axes[0];
    const last = axes[axes.length - 1];
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const reduce = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    const shape = keepDims
      ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : x.shape.filter((_, i) => i < first || i > last);
    const scale = name === 'Mean' ? 1 / reduce : 1;
    return output(backend, shape, (heap, out) =>
      native.reduceSum(heap, offsetOf(backend, x), out, outer, reduce, inner, scale),
    );
  };
}

/** Identity without a copy: the output shares the input's data, as wasm's Reshape does. */
const identity: KernelFunc = (args) => {
  const backend = args.backend as unknown as WasmHeapBackend;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return wasmKernel('Identity')(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

/** The kernels the addon computes, by tfjs kernel name. */
export function nativeKernelFuncs(native: NativeKernels): Record<string, KernelFunc> {
  return {
    BatchMatMul: matMul(native, false),
    _FusedMatMul: matMul(native, true),
    Conv2D: convForward(native, 'Conv2D', false, false),
    FusedConv2D: convForward(native, 'FusedConv2D', false, true),
    DepthwiseConv2dNative: convForward(native, 'DepthwiseConv2dNative', true, false),
    FusedDepthwiseConv2D: convForward(native, 'FusedDepthwiseConv2D', true, true),
    Conv2DBackpropInput: convBackpropInput(native, 'Conv2DBackpropInput', false),
    DepthwiseConv2dNativeBackpropInput: convBackpropInput(native, 'DepthwiseConv2dNativeBackpropInput', true),
    Conv2DBackpropFilter: convBackpropFilter(native, 'Conv2DBackpropFilter', false),
    DepthwiseConv2dNativeBackpropFilter: convBackpropFilter(native, 'DepthwiseConv2dNativeBackpropFilter', true),
    Sum: reduction(native, 'Sum'),
    Mean: reduction(native, 'Mean'),
    Identity: identity,
  };
}

/**
 * Registers every wasm kernel under the backend name `native`, with the addon's kernels in place of
 * wasm's for matmul and the convolutions. Kernels already registered for `native` are kept.
 */
export function registerNativeKernels(native: NativeKernels): void {
  const own = nativeKernelFuncs(native);
  const configs: KernelConfig[] = [
    ...getKernelsForBackend('wasm').filter((c) => !(c.kernelName in own)),
    ...Object.entries(own).map(([kernelName, kernelFunc]) => ({ kernelName, backendName: 'native', kernelFunc })),
  ];
  for (const config of configs) {
    if (!getKernel(config.kernelName, 'native')) registerKernel({ ...config, backendName: 'native' });
  }
}

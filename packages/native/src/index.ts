// @scalespace/native: loads the OpenBLAS addon built at install time and says why when it cannot.
// The kernels work on float32 arrays inside one ArrayBuffer, addressed by byte offsets; @scalespace/core
// passes the wasm backend's heap, so tensors are read and written in place.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** 15 numbers: batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft. */
export type ConvGeometry = readonly number[];
/** 5 numbers: bias byte offset (-1: none), activation code, leaky-relu slope, prelu byte offset (-1: none), prelu size. */
export type Epilogue = readonly number[];

/** Activation codes of the fused kernels (tfjs-backend-wasm's numbering). */
export const ACTIVATIONS = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 } as const;

export interface NativeKernels {
  /** C[i] = op(A[i]) op(B[i]) for i < batch (a stride of 0 broadcasts), then the epilogue; strides in floats. */
  matmul(
    buffer: ArrayBufferLike,
    batch: number,
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    strideA: number,
    b: number,
    strideB: number,
    c: number,
    ...epilogue: Epilogue
  ): void;
  conv2d(buffer: ArrayBufferLike, x: number, filter: number, y: number, ...geometryAndEpilogue: number[]): void;
  conv2dBackpropInput(buffer: ArrayBufferLike, dy: number, filter: number, dx: number, ...geometry: ConvGeometry): void;
  conv2dBackpropFilter(buffer: ArrayBufferLike, x: number, dy: number, df: number, ...geometry: ConvGeometry): void;
  depthwiseConv2d(
    buffer: ArrayBufferLike,
    x: number,
    filter: number,
    y: number,
    ...geometryAndEpilogue: number[]
  ): void;
  depthwiseBackpropInput(
    buffer: ArrayBufferLike,
    dy: number,
    filter: number,
    dx: number,
    ...geometry: ConvGeometry
  ): void;
  depthwiseBackpropFilter(buffer: ArrayBufferLike, x: number, dy: number, df: number, ...geometry: ConvGeometry): void;
  /** out[o, i] = scale * sum over r of x[o, r, i], x viewed as [outer, reduce, inner]. */
  reduceSum(
    buffer: ArrayBufferLike,
    x: number,
    out: number,
    outer: number,
    reduce: number,
    inner: number,
    scale: number,
  ): void;
  /** Sets the threads the kernels use (the caller included); returns the count in effect. */
  setThreads(threads: number): number;
  info(): { threads: number; blas: string; blasCore: string };
  /** GFLOP/s of independent FMA chains on `threads` threads for about `seconds`: the cores' arithmetic peak. */
  fmaPeak(threads: number, seconds: number): number;
}

export type NativeStatus =
  | { available: true; kernels: NativeKernels; path: string }
  | { available: false; reason: string };

/** How to get the addon, for error messages. */
export const NATIVE_INSTALL_HINT =
  'apt-get install build-essential libopenblas-dev, then rebuild the addon: ' +
  'npx -y pnpm@9.15.9 --filter @scalespace/native build:addon (or npm rebuild @scalespace/native)';

const here = dirname(fileURLToPath(import.meta.url));
export const ADDON_PATH = join(here, '..', 'build', 'Release', 'scalespace_native.node');

let status: NativeStatus | null = null;

/** Loads the addon once; `available: false` carries the reason (not built, or fails to load). */
export function loadNative(): NativeStatus {
  if (status) return status;
  try {
    const kernels = createRequire(import.meta.url)(ADDON_PATH) as NativeKernels;
    status = { available: true, kernels, path: ADDON_PATH };
  } catch (error) {
    const message = String((error as Error)?.message ?? error).split('\n')[0];
    const reason = /Cannot find module|no such file/i.test(message)
      ? `the addon is not built (${ADDON_PATH} is missing)`
      : `the addon does not load: ${message}`;
    status = { available: false, reason };
  }
  return status;
}

import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { type AxisMap, applyAxisMap, axisMapMatrix } from './axis-map.js';

// Separable resampling with the conventions of MATLAB's imresize, the degradation operator of the
// super-resolution literature: output size ceil(scale * input), sample positions
// u = (i + 0.5) / scale - 0.5, kernels widened by 1/scale when downscaling (antialiasing), weights
// normalised to sum to one, and borders handled by mirror reflection of the input indices.

export type ResizeMethod = 'nearest' | 'bilinear' | 'bicubic' | 'box' | 'lanczos3';

export interface ResizeOptions {
  /** Output height and width; or give `scale`. */
  height?: number;
  width?: number;
  /** Scale factor (output = ceil(scale * input)); applies to both axes unless height/width are given. */
  scale?: number;
  method?: ResizeMethod;
  /** Widen the kernel when downscaling, as imresize does (default true; nearest never antialiases). */
  antialias?: boolean;
}

interface Kernel {
  width: number;
  at(x: number): number;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

const KERNELS: Record<ResizeMethod, Kernel> = {
  nearest: { width: 1, at: (x) => (x >= -0.5 && x < 0.5 ? 1 : 0) },
  box: { width: 1, at: (x) => (x >= -0.5 && x < 0.5 ? 1 : 0) },
  bilinear: { width: 2, at: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    width: 4,
    at: (x) => {
      // Keys' cubic convolution with a = -0.5.
      const t = Math.abs(x);
      if (t <= 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
      if (t < 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
      return 0;
    },
  },
  lanczos3: { width: 6, at: (x) => (Math.abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

export const RESIZE_METHODS = Object.keys(KERNELS) as ResizeMethod[];

/**
 * The resampling of one axis as a map of virtual taps: output i (0-based) sits at input coordinate
 * u = (i + 0.5) / scale - 0.5 and reads ceil(width) + 2 samples from floor(u - width / 2) on, weighted
 * by the (widened) kernel and normalised to sum to one; indices outside the axis mirror (half-sample
 * symmetric, each edge sample repeated), as in imresize.
 */
export function resizeMap(
  inSize: number,
  outSize: number,
  scale: number,
  method: ResizeMethod,
  antialias: boolean,
): AxisMap {
  const kernel = KERNELS[method];
  const shrink = scale < 1 && antialias && method !== 'nearest';
  const width = shrink ? kernel.width / scale : kernel.width;
  const at = shrink ? (x: number) => scale * kernel.at(scale * x) : kernel.at;
  const taps = Math.ceil(width) + 2;
  const starts = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  const row = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const u = (i + 0.5) / scale - 0.5; // 0-based input coordinate of output sample i
    const left = Math.floor(u - width / 2);
    starts[i] = left;
    let total = 0;
    for (let p = 0; p < taps; p++) {
      row[p] = at(u - (left + p));
      total += row[p];
    }
    if (total === 0) continue;
    for (let p = 0; p < taps; p++) weights[i * taps + p] = row[p] / total;
  }
  return { size: inSize, rows: outSize, taps, starts, weights, boundary: 'symmetric' };
}

/** The resampling matrix [out x in] for one axis (the folded `resizeMap`). */
export function resizeMatrix(
  inSize: number,
  outSize: number,
  scale: number,
  method: ResizeMethod,
  antialias: boolean,
): Float32Array {
  return axisMapMatrix(resizeMap(inSize, outSize, scale, method, antialias));
}

function targetSize(
  size: number,
  explicit: number | undefined,
  scale: number | undefined,
  axis: string,
): [number, number] {
  if (explicit !== undefined) {
    if (!Number.isInteger(explicit) || explicit < 1)
      throw new InvalidArgumentError(`resize: ${axis} must be a positive integer, got ${explicit}`);
    return [explicit, explicit / size];
  }
  if (scale === undefined) throw new InvalidArgumentError('resize: give { scale } or { height, width }');
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new InvalidArgumentError(`resize: scale must be a positive number, got ${scale}`);
  return [Math.ceil(scale * size - 1e-9), scale];
}

/** Resizes [H, W, C] or [N, H, W, C] float images. Differentiable. */
export function resize(x: tf.Tensor, options: ResizeOptions): tf.Tensor {
  const method = options.method ?? 'bicubic';
  if (!KERNELS[method])
    throw new InvalidArgumentError(`resize: unknown method "${method}"; use ${RESIZE_METHODS.join(', ')}`);
  if (x.rank !== 3 && x.rank !== 4)
    throw new InvalidImageError(`resize: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
  const antialias = options.antialias ?? true;
  const h = x.shape[x.rank - 3];
  const w = x.shape[x.rank - 2];
  const [outH, scaleH] = targetSize(
    h,
    options.height,
    options.height === undefined ? options.scale : undefined,
    'height',
  );
  const [outW, scaleW] = targetSize(w, options.width, options.width === undefined ? options.scale : undefined, 'width');
  return tf.tidy(() => {
    let y = (x.rank === 3 ? tf.expandDims(x, 0) : tf.cast(x, 'float32')) as tf.Tensor4D;
    if (y.dtype !== 'float32') y = tf.cast(y, 'float32');
    // imresize resizes the dimension with the smaller scale first.
    const order: Array<1 | 2> = scaleH <= scaleW ? [1, 2] : [2, 1];
    for (const axis of order) {
      const inSize = axis === 1 ? h : w;
      const outSize = axis === 1 ? outH : outW;
      const s = axis === 1 ? scaleH : scaleW;
      if (outSize === inSize && s === 1) continue;
      y = applyAxisMap(y, resizeMap(inSize, outSize, s, method, antialias), axis);
    }
    return x.rank === 3 ? tf.squeeze(y, [0]) : y;
  });
}

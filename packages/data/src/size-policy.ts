import { InvalidArgumentError, InvalidImageError, rng } from '@scalespace/core';
import { RESIZE_METHODS, type ResizeMethod, resizeMatrix } from '@scalespace/pyramids';

/** An 8-bit image on the host: HWC bytes. */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** How an image is brought to the output size. */
export type SizePolicy =
  /**
   * Cut the central `crop` x `crop` square (default: the largest centred region of the output's aspect),
   * then resize to `size` (CelebA / LSUN: centre crop, resize).
   */
  | 'center-crop'
  /** Resize so the image covers `size` (shorter side fits), then cut the centre (ImageNet-style). */
  | 'shorter-side'
  /** Resize so the longer side is `size`, keeping the aspect ratio (SinGAN's max-size convention). */
  | 'longer-side'
  /** Resize to `size` ignoring the aspect ratio. */
  | 'stretch'
  /** Cut a `size` window at a seeded random position, no resampling (patch-based training). */
  | 'random-crop'
  /** Keep the image as it is (`size` must be absent). */
  | 'none';

export const SIZE_POLICIES: readonly SizePolicy[] = [
  'center-crop',
  'shorter-side',
  'longer-side',
  'stretch',
  'random-crop',
  'none',
];

export interface SizeOptions {
  /** Output side, or [height, width]; with 'longer-side', the longer side. Omit to keep the image's size. */
  size?: number | [number, number];
  /** Default 'center-crop' when `size` or `crop` is given, else 'none'. */
  policy?: SizePolicy;
  /**
   * 'center-crop' only: side (or [height, width]) of the central region cut before resizing to `size`
   * (e.g. crop 148 then size 64 for CelebA); without `size` the crop is the output.
   */
  crop?: number | [number, number];
  /** Resampling kernel of @scalespace/pyramids' `resize` (MATLAB imresize conventions, antialiased); default 'bicubic'. */
  method?: ResizeMethod;
  /** 'random-crop' only: the crop positions are drawn from rng(seed), one stream per image. */
  seed?: number;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Checks size options, throwing a message that names the bad option. */
export function validateSizeOptions(options: SizeOptions): void {
  const { size, policy, crop, method } = options;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (size !== undefined && !pair(size).every(positive))
    throw new InvalidArgumentError(`size must be a positive integer or [height, width], got ${size}`);
  if (crop !== undefined && !pair(crop).every(positive))
    throw new InvalidArgumentError(`crop must be a positive integer or [height, width], got ${crop}`);
  if (policy !== undefined && !SIZE_POLICIES.includes(policy))
    throw new InvalidArgumentError(`unknown size policy "${policy}"; use one of ${SIZE_POLICIES.join(', ')}`);
  if (policy === 'none' && size !== undefined)
    throw new InvalidArgumentError("policy 'none' keeps each image's size: drop { size } or pick another policy");
  if (policy && policy !== 'none' && size === undefined && !(policy === 'center-crop' && crop !== undefined))
    throw new InvalidArgumentError(`policy '${policy}' needs { size }`);
  if (policy === 'longer-side' && Array.isArray(size))
    throw new InvalidArgumentError("policy 'longer-side' takes one number (the longer side), not [height, width]");
  if (crop !== undefined && (policy ?? 'center-crop') !== 'center-crop')
    throw new InvalidArgumentError("{ crop } belongs to the 'center-crop' policy");
  if (method !== undefined && !RESIZE_METHODS.includes(method))
    throw new InvalidArgumentError(`unknown resize method "${method}"; use one of ${RESIZE_METHODS.join(', ')}`);
}

function cut(image: RawImage, top: number, left: number, height: number, width: number): RawImage {
  const { data, width: w, channels: c } = image;
  const out = new Uint8Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * w + left) * c;
    out.set(data.subarray(from, from + width * c), y * width * c);
  }
  return { data: out, height, width, channels: c };
}

function centre(image: RawImage, height: number, width: number): RawImage {
  return cut(image, Math.floor((image.height - height) / 2), Math.floor((image.width - width) / 2), height, width);
}

/** One axis of a resampling matrix as taps: for output i, weights[k] on inputs index[k] for k in [start[i], start[i + 1]). */
function taps(matrix: Float32Array, outSize: number, inSize: number) {
  const start = new Int32Array(outSize + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < outSize; i++) {
    for (let j = 0; j < inSize; j++) {
      const w = matrix[i * inSize + j];
      if (w !== 0) {
        index.push(j);
        weight.push(w);
      }
    }
    start[i + 1] = index.length;
  }
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/** Resamples values [h, w, c] along H (axis 0) or W (axis 1) with pyramids' resampling matrix. */
function resampleAxis(
  src: Float64Array,
  [h, w, c]: [number, number, number],
  axis: 0 | 1,
  outSize: number,
  method: ResizeMethod,
): Float64Array {
  const inSize = axis === 0 ? h : w;
  const t = taps(resizeMatrix(inSize, outSize, outSize / inSize, method, true), outSize, inSize);
  const [oh, ow] = axis === 0 ? [outSize, w] : [h, outSize];
  const out = new Float64Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const o = (y * ow + x) * c;
      const i = axis === 0 ? y : x;
      for (let k = t.start[i]; k < t.start[i + 1]; k++) {
        const from = (axis === 0 ? t.index[k] * w + x : y * w + t.index[k]) * c;
        const wk = t.weight[k];
        for (let ch = 0; ch < c; ch++) out[o + ch] += wk * src[from + ch];
      }
    }
  }
  return out;
}

/**
 * Resamples 8-bit pixels exactly as @scalespace/pyramids' `resize` does (its `resizeMatrix`: MATLAB
 * imresize sample positions and kernels, antialiased when shrinking, the axis with the smaller scale
 * first), on the host in float64, then rounds back to 8 bits. No tensors, no backend needed.
 */
export function resizeRaw(image: RawImage, height: number, width: number, method: ResizeMethod = 'bicubic'): RawImage {
  if (height === image.height && width === image.width) return image;
  let shape: [number, number, number] = [image.height, image.width, image.channels];
  let values: Float64Array = Float64Array.from(image.data);
  const order: Array<0 | 1> = height / image.height <= width / image.width ? [0, 1] : [1, 0];
  for (const axis of order) {
    const target = axis === 0 ? height : width;
    if (target === shape[axis]) continue;
    values = resampleAxis(values, shape, axis, target, method);
    shape = axis === 0 ? [target, shape[1], shape[2]] : [shape[0], target, shape[2]];
  }
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(values[i])));
  return { data, height, width, channels: image.channels };
}

/**
 * Brings one image to the output size by a policy. `index` picks the image's random stream for
 * 'random-crop' (so a folder's crops do not depend on decoding order). `what` names it in errors.
 */
export function fitImage(image: RawImage, options: SizeOptions, index = 0, what = 'image'): RawImage {
  validateSizeOptions(options);
  const { method = 'bicubic' } = options;
  const size = options.size ?? options.crop;
  const policy = options.policy ?? (size === undefined ? 'none' : 'center-crop');
  if (policy === 'none' || size === undefined) return image;
  const { height: h, width: w } = image;
  if (policy === 'longer-side') {
    const side = size as number;
    const scale = side / Math.max(h, w);
    const height = h >= w ? side : Math.max(1, Math.round(h * scale));
    const width = w >= h ? side : Math.max(1, Math.round(w * scale));
    return resizeRaw(image, height, width, method);
  }
  const [th, tw] = pair(size);
  if (policy === 'stretch') return resizeRaw(image, th, tw, method);
  if (policy === 'random-crop') {
    if (h < th || w < tw)
      throw new InvalidImageError(`${what} is ${h}x${w}, smaller than the ${th}x${tw} random crop; use a smaller size`);
    const r = rng(options.seed ?? 0).fork(`crop${index}`);
    return cut(image, r.int(h - th + 1), r.int(w - tw + 1), th, tw);
  }
  if (policy === 'shorter-side') {
    const scale = Math.max(th / h, tw / w);
    const rh = Math.max(th, Math.round(h * scale));
    const rw = Math.max(tw, Math.round(w * scale));
    return centre(resizeRaw(image, rh, rw, method), th, tw);
  }
  // center-crop
  let ch: number;
  let cw: number;
  if (options.crop !== undefined) {
    [ch, cw] = pair(options.crop);
    if (ch > h || cw > w)
      throw new InvalidImageError(`${what} is ${h}x${w}, smaller than the ${ch}x${cw} centre crop; use a smaller crop`);
  } else {
    // The largest centred region with the output's aspect ratio.
    const scale = Math.min(h / th, w / tw);
    ch = Math.min(h, Math.round(th * scale));
    cw = Math.min(w, Math.round(tw * scale));
  }
  return resizeRaw(centre(image, ch, cw), th, tw, method);
}

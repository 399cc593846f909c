import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { checkBits } from './validate.js';

// The reversible 5/3 LeGall wavelet of lossless JPEG 2000 (ISO 15444-1, Annex F), by integer lifting
// along rows then columns, repeated on the low-pass band. Lossless by construction: each lifting step
// adds an integer function of the other samples, which the inverse subtracts again. Borders use the
// standard's whole-sample symmetric extension. Computed on the host in Int32Arrays (the steps are
// integer floor divisions, which float tensors would round differently).

export interface LiftingPyramid {
  bits: number;
  /** Coarsest low-pass band (int32) [.., h, w, C]. */
  coarse: tf.Tensor;
  /** Detail bands per level, finest first: [.., h, w, 3, C] (HL: high along H, LH, HH). */
  levels: tf.Tensor[];
  /** [H, W] of the band each level decomposed, finest first. */
  sizes: Array<[number, number]>;
}

/** Forward 5/3 lifting of one 1-D signal (stride-addressed), writing low then high halves into `out`. */
function forward1d(src: Int32Array, offset: number, stride: number, n: number, out: Int32Array, tmp: Int32Array) {
  if (n === 1) {
    out[offset] = src[offset];
    return;
  }
  for (let i = 0; i < n; i++) tmp[i] = src[offset + i * stride];
  const at = (i: number) => tmp[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i];
  const nh = Math.floor(n / 2);
  const nl = n - nh;
  const high = new Int32Array(nh);
  for (let k = 0; k < nh; k++) high[k] = tmp[2 * k + 1] - Math.floor((at(2 * k) + at(2 * k + 2)) / 2);
  const d = (k: number) => high[k < 0 ? -k - 1 : k >= nh ? 2 * nh - k - 1 : k];
  for (let k = 0; k < nl; k++) out[offset + k * stride] = tmp[2 * k] + Math.floor((d(k - 1) + d(k) + 2) / 4);
  for (let k = 0; k < nh; k++) out[offset + (nl + k) * stride] = high[k];
}

function inverse1d(src: Int32Array, offset: number, stride: number, n: number, out: Int32Array, tmp: Int32Array) {
  if (n === 1) {
    out[offset] = src[offset];
    return;
  }
  const nh = Math.floor(n / 2);
  const nl = n - nh;
  const high = new Int32Array(nh);
  for (let k = 0; k < nh; k++) high[k] = src[offset + (nl + k) * stride];
  const d = (k: number) => high[k < 0 ? -k - 1 : k >= nh ? 2 * nh - k - 1 : k];
  for (let k = 0; k < nl; k++) tmp[2 * k] = src[offset + k * stride] - Math.floor((d(k - 1) + d(k) + 2) / 4);
  const at = (i: number) => tmp[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i];
  for (let k = 0; k < nh; k++) tmp[2 * k + 1] = high[k] + Math.floor((at(2 * k) + at(2 * k + 2)) / 2);
  for (let i = 0; i < n; i++) out[offset + i * stride] = tmp[i];
}

/** Transforms the top-left h x w region of every [H, W] plane in place (rows, then columns). */
function levelForward(data: Int32Array, planes: number, H: number, W: number, h: number, w: number, inverse: boolean) {
  const tmp = new Int32Array(Math.max(h, w));
  const step = inverse ? inverse1d : forward1d;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    const pass = (axis: 'rows' | 'columns') => {
      const count = axis === 'rows' ? w : h;
      const n = axis === 'rows' ? h : w;
      const stride = axis === 'rows' ? W : 1;
      for (let i = 0; i < count; i++) {
        const offset = base + (axis === 'rows' ? i : i * W);
        step(data, offset, stride, n, data, tmp);
      }
    };
    if (inverse) {
      pass('columns');
      pass('rows');
    } else {
      pass('rows');
      pass('columns');
    }
  }
}

/** Planar int32 copy [N*C, H, W] of an NHWC tensor. */
function toPlanes(x: tf.Tensor): { data: Int32Array; n: number; h: number; w: number; c: number } {
  const shape = x.rank === 3 ? [1, ...x.shape] : x.shape;
  const [n, h, w, c] = shape;
  const values = x.dataSync();
  const data = new Int32Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) data[((b * c + ch) * h + y) * w + xx] = values[((b * h + y) * w + xx) * c + ch];
  return { data, n, h, w, c };
}

/** Reads the region [y0, y0 + h) x [x0, x0 + w) of every plane back into an NHWC int32 array. */
function region(
  data: Int32Array,
  n: number,
  c: number,
  H: number,
  W: number,
  y0: number,
  x0: number,
  h: number,
  w: number,
) {
  const out = new Int32Array(n * h * w * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++)
          out[((b * h + y) * w + xx) * c + ch] = data[((b * c + ch) * H + y0 + y) * W + x0 + xx];
  return out;
}

/**
 * Multi-level reversible 5/3 wavelet of an integer image [H, W, C] or batch [N, H, W, C] (int32,
 * values 0..2^bits-1). H and W must be divisible by 2^levels.
 */
export function liftingPyramid(x: tf.Tensor, options: { bits: number; levels: number }): LiftingPyramid {
  const bits = checkBits(options.bits, 'liftingPyramid');
  const { levels } = options;
  if (x.rank !== 3 && x.rank !== 4)
    throw new InvalidImageError(`liftingPyramid: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
  if (x.dtype !== 'int32') throw new InvalidImageError(`liftingPyramid: expected int32 values, got ${x.dtype}`);
  const { data, n, h: H, w: W, c } = toPlanes(x);
  if (!Number.isInteger(levels) || levels < 1 || H % 2 ** levels !== 0 || W % 2 ** levels !== 0) {
    throw new InvalidArgumentError(
      `liftingPyramid: levels must be >= 1 with H and W divisible by 2^levels; got ${levels} for ${H}x${W}`,
    );
  }
  const batched = x.rank === 4;
  const make = (values: Int32Array, shape: number[]) => tf.tensor(values, batched ? [n, ...shape] : shape, 'int32');
  const sizes: Array<[number, number]> = [];
  const bands: tf.Tensor[] = [];
  let h = H;
  let w = W;
  for (let l = 0; l < levels; l++) {
    levelForward(data, n * c, H, W, h, w, false);
    sizes.push([h, w]);
    const hh = h / 2;
    const hw = w / 2;
    const hl = region(data, n, c, H, W, hh, 0, hh, hw); // high along H, low along W
    const lh = region(data, n, c, H, W, 0, hw, hh, hw);
    const dd = region(data, n, c, H, W, hh, hw, hh, hw);
    const stacked = new Int32Array(hl.length * 3);
    for (let i = 0; i < hl.length / c; i++) {
      for (let ch = 0; ch < c; ch++) {
        stacked[(i * 3 + 0) * c + ch] = hl[i * c + ch];
        stacked[(i * 3 + 1) * c + ch] = lh[i * c + ch];
        stacked[(i * 3 + 2) * c + ch] = dd[i * c + ch];
      }
    }
    bands.push(make(stacked, [hh, hw, 3, c]));
    h = hh;
    w = hw;
  }
  return { bits, coarse: make(region(data, n, c, H, W, 0, 0, h, w), [h, w, c]), levels: bands, sizes };
}

/** Inverts `liftingPyramid` exactly. */
export function reconstructLifting(pyramid: LiftingPyramid): tf.Tensor {
  const { coarse, levels, sizes } = pyramid;
  const batched = coarse.rank === 4;
  const [H, W] = sizes[0];
  const c = coarse.shape[coarse.rank - 1];
  const n = batched ? coarse.shape[0] : 1;
  const data = new Int32Array(n * c * H * W);
  const write = (
    values: ArrayLike<number>,
    y0: number,
    x0: number,
    h: number,
    w: number,
    band: number,
    bandsPer: number,
  ) => {
    for (let b = 0; b < n; b++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++)
          for (let ch = 0; ch < c; ch++)
            data[((b * c + ch) * H + y0 + y) * W + x0 + xx] =
              values[(((b * h + y) * w + xx) * bandsPer + band) * c + ch];
  };
  const [ch0, cw0] = [coarse.shape[coarse.rank - 3], coarse.shape[coarse.rank - 2]];
  write(coarse.dataSync(), 0, 0, ch0, cw0, 0, 1);
  for (let l = levels.length - 1; l >= 0; l--) {
    const [h, w] = sizes[l];
    const values = levels[l].dataSync();
    write(values, h / 2, 0, h / 2, w / 2, 0, 3);
    write(values, 0, w / 2, h / 2, w / 2, 1, 3);
    write(values, h / 2, w / 2, h / 2, w / 2, 2, 3);
    levelForward(data, n * c, H, W, h, w, true);
  }
  const out = region(data, n, c, H, W, 0, 0, H, W);
  return tf.tensor(out, batched ? [n, H, W, c] : [H, W, c], 'int32');
}

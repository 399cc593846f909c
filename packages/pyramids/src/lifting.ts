import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { checkBits } from './validate.js';

// The reversible 5/3 LeGall wavelet of lossless JPEG 2000 (ISO 15444-1, Annex F), by integer lifting
// along rows then columns, repeated on the low-pass band. Lossless by construction: each lifting step
// adds an integer function of the other samples, which the inverse subtracts again. Borders use the
// standard's whole-sample symmetric extension; odd lengths split into ceil(n/2) low-pass and floor(n/2)
// high-pass values, so any H and W work. Computed on the host in Int32Arrays (the steps are
// integer floor divisions, which float tensors would round differently).

export interface LiftingPyramid {
  bits: number;
  /** Coarsest low-pass band (int32) [.., h, w, C]. */
  coarse: tf.Tensor;
  /**
   * Detail bands per level, finest first: [.., ceil(h/2), ceil(w/2), 3, C] (HL: high along H, LH, HH).
   * On an odd side the high-pass half is one shorter; the entries past it are zero.
   */
  levels: tf.Tensor[];
  /** [H, W] of the band each level decomposed, finest first. */
  sizes: Array<[number, number]>;
}

export interface LiftingPyramidOptions {
  /** Bits per value; values must be integers in 0..2^bits-1. */
  bits: number;
  /** Levels (default: until both sides are 1). */
  levels?: number;
}

/**
 * Forward 5/3 lifting of the n samples at data[offset + i * stride], in place: the ceil(n/2) low-pass
 * values first, then the floor(n/2) high-pass values. Floors are arithmetic shifts (exact on int32).
 */
function forward1d(data: Int32Array, offset: number, stride: number, n: number, x: Int32Array, d: Int32Array) {
  if (n < 2) return;
  for (let i = 0; i < n; i++) x[i] = data[offset + i * stride];
  const nh = n >> 1;
  const nl = n - nh;
  for (let k = 0; k < nh; k++) {
    const right = 2 * k + 2 < n ? x[2 * k + 2] : x[2 * k]; // symmetric extension at the right end
    d[k] = x[2 * k + 1] - ((x[2 * k] + right) >> 1);
  }
  for (let k = 0; k < nl; k++) {
    const before = d[k > 0 ? k - 1 : 0];
    const after = d[k < nh ? k : nh - 1];
    data[offset + k * stride] = x[2 * k] + ((before + after + 2) >> 2);
  }
  for (let k = 0; k < nh; k++) data[offset + (nl + k) * stride] = d[k];
}

/** Inverse of `forward1d`, in place. */
function inverse1d(data: Int32Array, offset: number, stride: number, n: number, x: Int32Array, d: Int32Array) {
  if (n < 2) return;
  const nh = n >> 1;
  const nl = n - nh;
  for (let k = 0; k < nh; k++) d[k] = data[offset + (nl + k) * stride];
  for (let k = 0; k < nl; k++) {
    const before = d[k > 0 ? k - 1 : 0];
    const after = d[k < nh ? k : nh - 1];
    x[2 * k] = data[offset + k * stride] - ((before + after + 2) >> 2);
  }
  for (let k = 0; k < nh; k++) {
    const right = 2 * k + 2 < n ? x[2 * k + 2] : x[2 * k];
    x[2 * k + 1] = d[k] + ((x[2 * k] + right) >> 1);
  }
  for (let i = 0; i < n; i++) data[offset + i * stride] = x[i];
}

/** One level on the top-left h x w region of every [H, W] plane, in place: along H, then along W (inverse: reversed). */
function level(data: Int32Array, planes: number, H: number, W: number, h: number, w: number, inverse: boolean) {
  const x = new Int32Array(Math.max(h, w));
  const d = new Int32Array(Math.max(h, w));
  const step = inverse ? inverse1d : forward1d;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    const alongH = () => {
      for (let col = 0; col < w; col++) step(data, base + col, W, h, x, d);
    };
    const alongW = () => {
      for (let row = 0; row < h; row++) step(data, base + row * W, 1, w, x, d);
    };
    if (inverse) {
      alongW();
      alongH();
    } else {
      alongH();
      alongW();
    }
  }
}

interface Planes {
  data: Int32Array;
  n: number;
  h: number;
  w: number;
  c: number;
}

/** Planar int32 copy [N*C, H, W] of NHWC values. */
function toPlanes(values: ArrayLike<number>, n: number, h: number, w: number, c: number): Planes {
  const data = new Int32Array(n * c * h * w);
  let i = 0;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) data[((b * c + ch) * h + y) * w + xx] = values[i++];
  return { data, n, h, w, c };
}

/**
 * Copies the region [y0, y0 + h) x [x0, x0 + w) of every plane into (or, with `write`, from) an NHWC
 * array with `bands` interleaved bands of shape [bh, bw] (entries outside h x w untouched).
 */
function copyRegion(
  planes: Planes,
  nhwc: Int32Array,
  box: { y0: number; x0: number; h: number; w: number },
  layout: { bh: number; bw: number; bands: number; band: number },
  write: boolean,
) {
  const { data, n, h: H, w: W, c } = planes;
  const { bh, bw, bands, band } = layout;
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < box.h; y++) {
        const src = ((b * c + ch) * H + box.y0 + y) * W + box.x0;
        const dst = ((b * bh + y) * bw * bands + band) * c + ch;
        const step = bands * c;
        if (write) for (let xx = 0; xx < box.w; xx++) data[src + xx] = nhwc[dst + xx * step];
        else for (let xx = 0; xx < box.w; xx++) nhwc[dst + xx * step] = data[src + xx];
      }
}

/** Levels until both sides are 1 (a side of 1 passes through a level unchanged). */
function maxLevels(h: number, w: number): number {
  let levels = 0;
  for (let s = Math.max(h, w); s > 1; s = Math.ceil(s / 2)) levels++;
  return levels;
}

/**
 * Multi-level reversible 5/3 wavelet of an integer image [H, W, C] or batch [N, H, W, C] (int32,
 * values 0..2^bits-1), any H and W. Lossless: `reconstructLifting` returns the input bit for bit.
 */
export async function liftingPyramid(x: tf.Tensor, options: LiftingPyramidOptions): Promise<LiftingPyramid> {
  const bits = checkBits(options.bits, 'liftingPyramid');
  if (x.rank !== 3 && x.rank !== 4)
    throw new InvalidImageError(`liftingPyramid: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
  if (x.dtype !== 'int32')
    throw new InvalidImageError(
      `liftingPyramid: expected int32 values, got ${x.dtype}; use tf.cast(tf.round(x), 'int32')`,
    );
  const batched = x.rank === 4;
  const [n, H, W, c] = batched ? x.shape : [1, ...x.shape];
  const most = maxLevels(H, W);
  const levels = options.levels ?? most;
  if (!Number.isInteger(levels) || levels < 1 || levels > most) {
    throw new InvalidArgumentError(
      `liftingPyramid: levels must be an integer in 1..${most} for a ${H}x${W} image, got ${levels}`,
    );
  }
  const values = await x.data();
  const limit = 2 ** bits;
  for (let i = 0; i < values.length; i++)
    if (values[i] < 0 || values[i] >= limit)
      throw new InvalidImageError(
        `liftingPyramid: values must lie in 0..${limit - 1} for ${bits} bits, found ${values[i]}`,
      );
  const planes = toPlanes(values, n, H, W, c);
  const make = (data: Int32Array, shape: number[]) => tf.tensor(data, batched ? [n, ...shape] : shape, 'int32');
  const sizes: Array<[number, number]> = [];
  const bands: tf.Tensor[] = [];
  let h = H;
  let w = W;
  for (let l = 0; l < levels; l++) {
    level(planes.data, n * c, H, W, h, w, false);
    sizes.push([h, w]);
    const lh = Math.ceil(h / 2); // low-pass rows
    const lw = Math.ceil(w / 2);
    const stacked = new Int32Array(n * lh * lw * 3 * c);
    const layout = { bh: lh, bw: lw, bands: 3 };
    copyRegion(planes, stacked, { y0: lh, x0: 0, h: h - lh, w: lw }, { ...layout, band: 0 }, false); // HL
    copyRegion(planes, stacked, { y0: 0, x0: lw, h: lh, w: w - lw }, { ...layout, band: 1 }, false); // LH
    copyRegion(planes, stacked, { y0: lh, x0: lw, h: h - lh, w: w - lw }, { ...layout, band: 2 }, false); // HH
    bands.push(make(stacked, [lh, lw, 3, c]));
    h = lh;
    w = lw;
  }
  const coarse = new Int32Array(n * h * w * c);
  copyRegion(planes, coarse, { y0: 0, x0: 0, h, w }, { bh: h, bw: w, bands: 1, band: 0 }, false);
  return { bits, coarse: make(coarse, [h, w, c]), levels: bands, sizes };
}

/** Inverts `liftingPyramid` exactly. */
export async function reconstructLifting(pyramid: LiftingPyramid): Promise<tf.Tensor> {
  const { coarse, levels, sizes } = pyramid;
  checkBits(pyramid.bits, 'reconstructLifting');
  if (levels.length === 0 || levels.length !== sizes.length)
    throw new InvalidArgumentError(
      `reconstructLifting: expected one size per level, got ${sizes.length} sizes for ${levels.length} levels`,
    );
  const batched = coarse.rank === 4;
  const [H, W] = sizes[0];
  const c = coarse.shape[coarse.rank - 1];
  const n = batched ? coarse.shape[0] : 1;
  const planes: Planes = { data: new Int32Array(n * c * H * W), n, h: H, w: W, c };
  const [ch0, cw0] = [coarse.shape[coarse.rank - 3], coarse.shape[coarse.rank - 2]];
  copyRegion(
    planes,
    Int32Array.from(await coarse.data()),
    { y0: 0, x0: 0, h: ch0, w: cw0 },
    { bh: ch0, bw: cw0, bands: 1, band: 0 },
    true,
  );
  for (let l = levels.length - 1; l >= 0; l--) {
    const [h, w] = sizes[l];
    const lh = Math.ceil(h / 2);
    const lw = Math.ceil(w / 2);
    const shape = levels[l].shape.slice(-4);
    if (shape[0] !== lh || shape[1] !== lw || shape[2] !== 3 || shape[3] !== c)
      throw new InvalidImageError(
        `reconstructLifting: level ${l + 1} has shape [${levels[l].shape.join(', ')}], expected [.., ${lh}, ${lw}, 3, ${c}] for a ${h}x${w} band`,
      );
    const values = Int32Array.from(await levels[l].data());
    const layout = { bh: lh, bw: lw, bands: 3 };
    copyRegion(planes, values, { y0: lh, x0: 0, h: h - lh, w: lw }, { ...layout, band: 0 }, true);
    copyRegion(planes, values, { y0: 0, x0: lw, h: lh, w: w - lw }, { ...layout, band: 1 }, true);
    copyRegion(planes, values, { y0: lh, x0: lw, h: h - lh, w: w - lw }, { ...layout, band: 2 }, true);
    level(planes.data, n * c, H, W, h, w, true);
  }
  const out = new Int32Array(n * H * W * c);
  copyRegion(planes, out, { y0: 0, x0: 0, h: H, w: W }, { bh: H, bw: W, bands: 1, band: 0 }, false);
  return tf.tensor(out, batched ? [n, H, W, c] : [H, W, c], 'int32');
}

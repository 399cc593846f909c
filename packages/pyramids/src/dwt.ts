import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { applyAxisMapSum, applyAxisMaps } from './axis-map.js';
import { type WaveletName, waveletFilters } from './wavelet-filters.js';
import { type AxisTransform, axisTransform, type WaveletMode } from './wavelet-maps.js';

// Orthogonal 2-D discrete wavelet transforms as tfjs ops (differentiable), following PyWavelets:
// `dwt2` transforms rows (axis H) then columns (axis W) and returns the approximation and the
// (horizontal, vertical, diagonal) details; `wavedec2` repeats it on the approximation, listing
// details from the coarsest level to the finest. Channels are transformed independently.

export interface WaveletOptions {
  wavelet?: WaveletName;
  mode?: WaveletMode;
}

export interface Dwt2Result {
  /** Approximation (low-pass) [.., h, w, C]. */
  lowpass: tf.Tensor;
  /** Details [.., h, w, 3, C]: (horizontal, vertical, diagonal). */
  details: tf.Tensor;
}

export interface WaveletDecomposition {
  wavelet: WaveletName;
  mode: WaveletMode;
  /** 'orthonormal' (PyWavelets) or 'average' (level-l coefficients divided by 2^l, Kadkhodaie et al.). */
  normalization: 'orthonormal' | 'average';
  /** Approximation at the coarsest level [.., h, w, C]. */
  lowpass: tf.Tensor;
  /** Details per level, coarsest first (PyWavelets' order); `details[details.length - 1]` is the finest. */
  details: tf.Tensor[];
  /** [H, W] of the approximation that each level decomposed, coarsest first (used to trim odd sizes back). */
  sizes: Array<[number, number]>;
}

const cache = new Map<string, AxisTransform>();
function transformFor(wavelet: WaveletName, n: number, mode: WaveletMode): AxisTransform {
  const key = `${wavelet}/${mode}/${n}`;
  let t = cache.get(key);
  if (!t) {
    t = axisTransform(waveletFilters(wavelet), n, mode);
    if (cache.size > 256) cache.clear();
    cache.set(key, t);
  }
  return t;
}

function options(opts: WaveletOptions) {
  const wavelet = opts.wavelet ?? 'haar';
  const mode = opts.mode ?? 'periodization';
  waveletFilters(wavelet);
  if (mode !== 'periodization' && mode !== 'symmetric') {
    throw new InvalidArgumentError(`unknown wavelet mode "${mode}"; use 'periodization' or 'symmetric'`);
  }
  return { wavelet, mode };
}

function to4d(x: tf.Tensor, what: string): tf.Tensor4D {
  if (x.rank === 3) return tf.expandDims(x, 0) as tf.Tensor4D;
  if (x.rank === 4) return x as tf.Tensor4D;
  throw new InvalidImageError(`${what}: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
}

/** One level of the 2-D DWT. */
export function dwt2(x: tf.Tensor, opts: WaveletOptions = {}): Dwt2Result {
  const { wavelet, mode } = options(opts);
  const rank = x.rank;
  return tf.tidy(() => {
    const b = to4d(x, 'dwt2');
    const [, h, w] = b.shape;
    const th = transformFor(wavelet, h, mode);
    const tw = transformFor(wavelet, w, mode);
    const [lo, hi] = applyAxisMaps(b, [th.analysisLo, th.analysisHi], 1);
    const [ll, lh] = applyAxisMaps(lo, [tw.analysisLo, tw.analysisHi], 2); // lh (vertical): low along H, high along W
    const [hl, hh] = applyAxisMaps(hi, [tw.analysisLo, tw.analysisHi], 2); // hl (horizontal): high along H, low along W
    // Stacked along a new leading axis (a contiguous copy) and moved into place: faster than stacking on axis 3.
    const details = tf.transpose(tf.stack([hl, lh, hh]), [1, 2, 3, 0, 4]);
    return rank === 3 ? { lowpass: tf.squeeze(ll, [0]), details: tf.squeeze(details, [0]) } : { lowpass: ll, details };
  }) as Dwt2Result;
}

/** Inverse of one `dwt2` level. The output has PyWavelets' idwt2 size (even sizes; trim odd inputs yourself). */
export function idwt2(coefficients: Dwt2Result, opts: WaveletOptions = {}): tf.Tensor {
  const { wavelet, mode } = options(opts);
  const { lowpass, details } = coefficients;
  const rank = lowpass.rank;
  return tf.tidy(() => {
    const ll = to4d(lowpass, 'idwt2');
    const d = rank === 3 ? tf.expandDims(details, 0) : details;
    const [, h, w, c] = ll.shape;
    if (d.rank !== 5 || d.shape[1] !== h || d.shape[2] !== w || d.shape[3] !== 3 || d.shape[4] !== c) {
      throw new InvalidImageError(
        `idwt2: details [${details.shape.join(', ')}] do not match the low-pass band [${lowpass.shape.join(', ')}]; expected [.., ${h}, ${w}, 3, ${c}]`,
      );
    }
    // Bands first, so each band is a contiguous slice (slicing a middle axis of a rank-5 tensor is slow on wasm).
    const [hl, lh, hh] = tf.unstack(tf.transpose(d, [3, 0, 1, 2, 4])) as tf.Tensor4D[];
    // Find the axis lengths whose analysis gives h x w coefficients.
    const th = synthesisFor(wavelet, mode, h);
    const tw = synthesisFor(wavelet, mode, w);
    const lo = applyAxisMapSum(
      [
        [ll, tw.synthesisLo],
        [lh, tw.synthesisHi],
      ],
      2,
    );
    const hi = applyAxisMapSum(
      [
        [hl, tw.synthesisLo],
        [hh, tw.synthesisHi],
      ],
      2,
    );
    const out = applyAxisMapSum(
      [
        [lo, th.synthesisLo],
        [hi, th.synthesisHi],
      ],
      1,
    );
    return rank === 3 ? tf.squeeze(out, [0]) : out;
  });
}

/** The synthesis maps for `coefficients` coefficients per band (the synthesis side only depends on that). */
function synthesisFor(wavelet: WaveletName, mode: WaveletMode, coefficients: number): AxisTransform {
  const L = waveletFilters(wavelet).decLo.length;
  const n = mode === 'periodization' ? 2 * coefficients : 2 * coefficients - L + 2;
  if (n < 1)
    throw new InvalidImageError(`idwt2: ${coefficients} coefficients are too few for ${wavelet} in ${mode} mode`);
  return transformFor(wavelet, n, mode);
}

/** The deepest useful level for a side of length n (PyWavelets' dwt_max_level). */
export function maxWaveletLevel(n: number, wavelet: WaveletName = 'haar'): number {
  const L = waveletFilters(wavelet).decLo.length;
  return n < L - 1 ? 0 : Math.floor(Math.log2(n / (L - 1)));
}

export interface WavedecOptions extends WaveletOptions {
  /** Levels J (default: the maximum for the shorter side). */
  levels?: number;
  /** 'average' divides the coefficients of level l by 2^l so every low-pass band is a local average (Kadkhodaie et al.). */
  normalization?: 'orthonormal' | 'average';
}

/** Multi-level 2-D DWT: approximation, then details from the coarsest to the finest level. */
export function wavedec2(x: tf.Tensor, opts: WavedecOptions = {}): WaveletDecomposition {
  const { wavelet, mode } = options(opts);
  const normalization = opts.normalization ?? 'orthonormal';
  if (normalization !== 'orthonormal' && normalization !== 'average') {
    throw new InvalidArgumentError(
      `wavedec2: normalization must be 'orthonormal' or 'average', got "${normalization}"`,
    );
  }
  const h = x.shape[x.rank - 3];
  const w = x.shape[x.rank - 2];
  const levels = opts.levels ?? maxWaveletLevel(Math.min(h, w), wavelet);
  if (!Number.isInteger(levels) || levels < 1) {
    throw new InvalidArgumentError(
      `wavedec2: levels must be a positive integer, got ${levels} (a ${h}x${w} image allows ${maxWaveletLevel(Math.min(h, w), wavelet)})`,
    );
  }
  const details: tf.Tensor[] = [];
  const sizes: Array<[number, number]> = [];
  let current = x;
  for (let l = 1; l <= levels; l++) {
    const ch = current.shape[current.rank - 3];
    const cw = current.shape[current.rank - 2];
    if (ch < 2 || cw < 2) {
      throw new InvalidArgumentError(
        `wavedec2: level ${l} would decompose a ${ch}x${cw} band; use at most ${l - 1} levels`,
      );
    }
    sizes.unshift([ch, cw]);
    const { lowpass, details: d } = dwt2(current, { wavelet, mode });
    if (current !== x) current.dispose();
    if (normalization === 'average') {
      // Each 2-D level multiplies a constant image by 2; dividing keeps low-pass bands in image range.
      details.unshift(tf.tidy(() => tf.div(d, 2)));
      d.dispose();
      current = tf.tidy(() => tf.div(lowpass, 2));
      lowpass.dispose();
    } else {
      details.unshift(d);
      current = lowpass;
    }
  }
  return { wavelet, mode, normalization, lowpass: current, details, sizes };
}

/** Inverse of `wavedec2`: perfect reconstruction, trimming odd sizes back as PyWavelets does. */
export function waverec2(decomposition: WaveletDecomposition): tf.Tensor {
  const { wavelet, mode, normalization, lowpass, details, sizes } = decomposition;
  return tf.tidy(() => {
    let current = lowpass;
    details.forEach((d, i) => {
      const scale = normalization === 'average' ? 2 : 1;
      const [h, w] = sizes[i] ?? [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
      const rank = current.rank;
      const up = idwt2(
        { lowpass: scale === 1 ? current : tf.mul(current, scale), details: scale === 1 ? d : tf.mul(d, scale) },
        { wavelet, mode },
      );
      const uh = up.shape[rank - 3];
      const uw = up.shape[rank - 2];
      const begin = new Array(rank).fill(0);
      const size = up.shape.map((s, k) => (k === rank - 3 ? Math.min(uh, h) : k === rank - 2 ? Math.min(uw, w) : s));
      current = tf.slice(up, begin, size);
    });
    return current === lowpass ? tf.clone(current) : current;
  });
}

/** Releases the tensors of a decomposition. */
export function disposeWavelet(decomposition: WaveletDecomposition): void {
  decomposition.lowpass.dispose();
  for (const d of decomposition.details) d.dispose();
}

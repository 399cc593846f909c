import { tf } from '@scalespace/core';
import { alongAxis } from './axis-matmul.js';

// A linear map along one axis of an image, described the way filter banks and resamplers are
// defined: output i is a weighted sum of `taps` consecutive *virtual* samples starting at starts[i],
// where virtual indices outside 0..size-1 are resolved by a boundary rule. Wavelets (both modes, both
// directions), MATLAB-style resampling and blur-and-decimate are all such maps.
//
// Applying one: when the map is periodic in its outputs (row i + P is row i shifted by Q inputs,
// true for wavelets and for any rational scale P/Q with small P), the virtual signal is built once
// from slices of the input (forward, reversed or zero pieces, so the op stays differentiable on every
// backend) and the map runs as one strided depthwise convolution with P phases per channel, whose
// outputs are interleaved. Other maps fall back to the banded gather of `alongAxis`.

/** How virtual sample indices outside 0..size-1 are resolved. */
export type Boundary = 'symmetric' | 'reflect' | 'periodic' | 'zero';

export interface AxisMap {
  /** Input length along the axis. */
  size: number;
  /** Output length. */
  rows: number;
  /** Taps per output. */
  taps: number;
  /** Virtual index of each output's first tap. */
  starts: Int32Array;
  /** weights[i * taps + t] multiplies virtual sample starts[i] + t. */
  weights: Float32Array;
  /**
   * 'symmetric': half-sample symmetric, the edge sample repeated (numpy pad mode 'symmetric');
   * 'reflect': whole-sample symmetric, the edge sample not repeated (numpy 'reflect');
   * 'periodic': index mod `period`, indices at or past `size` reading the last sample (PyWavelets'
   * periodization extends an odd length by repeating its last sample); 'zero': zeros outside.
   */
  boundary: Boundary;
  /** A different rule past the right end ('symmetric' or 'reflect' only, with a boundary of those). */
  rightBoundary?: 'symmetric' | 'reflect';
  /** Period of a periodic boundary (default `size`). */
  period?: number;
}

type BoundaryRule = Pick<AxisMap, 'size' | 'boundary' | 'rightBoundary' | 'period'>;

/** The real sample a virtual index reads, or -1 for zero. */
export function resolveIndex(map: BoundaryRule, j: number): number {
  const n = map.size;
  if (map.boundary === 'zero') return j >= 0 && j < n ? j : -1;
  if (map.boundary === 'periodic') {
    const p = map.period ?? n;
    return Math.min(((j % p) + p) % p, n - 1);
  }
  if (n === 1) return 0;
  const left = map.boundary;
  const right = map.rightBoundary ?? left;
  let q = j;
  // Mirror at whichever end q lies past until it lands inside (several times on short axes).
  while (q < 0 || q >= n) {
    if (q < 0) q = left === 'reflect' ? -q : -q - 1;
    else q = right === 'reflect' ? 2 * (n - 1) - q : 2 * n - 1 - q;
  }
  return q;
}

/** The map as a dense [rows x size] row-major matrix (virtual taps folded onto real samples). */
export function axisMapMatrix(map: AxisMap): Float32Array {
  const { size, rows, taps, starts, weights } = map;
  const matrix = new Float32Array(rows * size);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < taps; t++) {
      const w = weights[i * taps + t];
      if (w === 0) continue;
      const j = resolveIndex(map, starts[i] + t);
      if (j >= 0) matrix[i * size + j] += w;
    }
  }
  return matrix;
}

interface Polyphase {
  phases: number;
  stride: number;
  /** Virtual index of the first kernel tap of output 0. */
  origin: number;
  kernel: number;
  /** filter[k * phases + r]: weight of kernel tap k in phase r. */
  filter: Float32Array;
}

const MAX_PHASES = 16;

/** Finds the smallest period P (outputs) and shift Q (inputs) that describe the map, if any. */
function polyphase(map: AxisMap): Polyphase | null {
  const { rows, taps, starts, weights } = map;
  let scaleMax = 0;
  for (const w of weights) scaleMax = Math.max(scaleMax, Math.abs(w));
  const tolerance = 1e-6 * Math.max(scaleMax, 1e-30);
  let phases = 0;
  let stride = 1;
  for (let p = 1; p <= Math.min(MAX_PHASES, rows); p++) {
    if (p === rows) {
      phases = p;
      break;
    }
    const q = starts[p] - starts[0];
    if (q < 1) continue;
    let ok = true;
    for (let i = 0; i + p < rows && ok; i++) {
      if (starts[i + p] - starts[i] !== q) ok = false;
      for (let t = 0; t < taps && ok; t++)
        if (Math.abs(weights[(i + p) * taps + t] - weights[i * taps + t]) > tolerance) ok = false;
    }
    if (ok) {
      phases = p;
      stride = q;
      break;
    }
  }
  if (phases === 0) return null;
  // Kernel support over all phases, trimmed to the non-zero taps.
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < phases; r++)
    for (let t = 0; t < taps; t++)
      if (weights[r * taps + t] !== 0) {
        first = Math.min(first, starts[r] + t);
        last = Math.max(last, starts[r] + t);
      }
  if (first > last) {
    first = starts[0];
    last = starts[0];
  }
  const kernel = last - first + 1;
  const filter = new Float32Array(kernel * phases);
  for (let r = 0; r < phases; r++)
    for (let t = 0; t < taps; t++) {
      const w = weights[r * taps + t];
      if (w !== 0) filter[(starts[r] + t - first) * phases + r] = w;
    }
  return { phases, stride, origin: first, kernel, filter };
}

const plans = new WeakMap<AxisMap, Polyphase | null>();
function planFor(map: AxisMap): Polyphase | null {
  let plan = plans.get(map);
  if (plan === undefined) {
    plan = polyphase(map);
    plans.set(map, plan);
  }
  return plan;
}

/** The virtual samples [lo, hi) along `axis`, assembled from forward, reversed and zero pieces of x. */
export function extendAxis(x: tf.Tensor4D, axis: 1 | 2, map: BoundaryRule, lo: number, hi: number): tf.Tensor4D {
  const n = x.shape[axis];
  if (lo === 0 && hi === n) return x;
  const pieces: tf.Tensor4D[] = [];
  const piece = (from: number, count: number, direction: 1 | -1 | 0) => {
    if (direction === 0) {
      const shape = x.shape.slice() as [number, number, number, number];
      shape[axis] = count;
      pieces.push(tf.zeros(shape));
      return;
    }
    if (direction === 1 && from === 0 && count === n) {
      pieces.push(x); // the whole axis: no copy
      return;
    }
    const begin = [0, 0, 0, 0];
    const size = [-1, -1, -1, -1];
    begin[axis] = direction === 1 ? from : from - count + 1;
    size[axis] = count;
    const s = tf.slice(x, begin, size);
    pieces.push(direction === 1 ? s : tf.reverse(s, axis));
  };
  // Runs of consecutive virtual indices that read consecutive samples (forward or backward) or zeros.
  const runs = (from: number, to: number) => {
    let j = from;
    while (j < to) {
      const start = resolveIndex(map, j);
      let direction: 1 | -1 | 0 = start < 0 ? 0 : 1;
      if (start >= 0 && j + 1 < to && resolveIndex(map, j + 1) === start - 1) direction = -1;
      let count = 1;
      while (j + count < to) {
        const r = resolveIndex(map, j + count);
        if (direction === 0 ? r !== -1 : r !== start + direction * count) break;
        count++;
      }
      piece(start, count, direction);
      j += count;
    }
  };
  // The inside is one piece (x itself when whole); only the extensions are cut into runs.
  const inLo = Math.min(Math.max(lo, 0), n);
  const inHi = Math.max(Math.min(hi, n), inLo);
  runs(lo, Math.min(hi, inLo));
  if (inHi > inLo) piece(inLo, inHi - inLo, 1);
  runs(Math.max(lo, inHi), hi);
  return pieces.length === 1 ? pieces[0] : (tf.concat(pieces, axis) as tf.Tensor4D);
}

/**
 * Applies maps that share their input length and boundary along axis 1 (H) or 2 (W) of an NHWC
 * tensor, returning one output per map (one convolution for all of them when they can share it).
 * Differentiable.
 */
export function applyAxisMaps(x: tf.Tensor4D, maps: AxisMap[], axis: 1 | 2): tf.Tensor4D[] {
  const plansList = maps.map(planFor);
  const shared =
    plansList.every((p) => p !== null) &&
    maps.every((m) => sameBoundary(m, maps[0])) &&
    plansList.every((p) => p?.stride === plansList[0]?.stride);
  if (!shared) return maps.map((m) => applyAxisMap(x, m, axis));
  return tf.tidy(() =>
    splitPhases(convolve(x, maps, plansList as Polyphase[], axis), maps, plansList as Polyphase[], axis),
  );
}

function sameBoundary(a: AxisMap, b: AxisMap): boolean {
  return a.size === b.size && a.boundary === b.boundary && a.rightBoundary === b.rightBoundary && a.period === b.period;
}

/** Applies one map (see `applyAxisMaps`). */
export function applyAxisMap(x: tf.Tensor4D, map: AxisMap, axis: 1 | 2): tf.Tensor4D {
  return applyAxisMapSum([[x, map]], axis);
}

/**
 * sum_k map_k(x_k) along `axis` (the synthesis step of a filter bank): the phases of all terms are
 * added before they are interleaved, so the interleave runs once. Differentiable.
 */
export function applyAxisMapSum(terms: Array<[tf.Tensor4D, AxisMap]>, axis: 1 | 2): tf.Tensor4D {
  const plansList = terms.map(([, m]) => planFor(m));
  const first = plansList[0];
  const rows = terms[0][1].rows;
  const compatible =
    first !== null &&
    plansList.every((p) => p !== null && p.phases === first.phases && p.stride === first.stride) &&
    terms.every(([, m]) => m.rows === rows);
  return tf.tidy(() => {
    if (!compatible) {
      const parts = terms.map(([x, m], k) => {
        const plan = plansList[k];
        return plan
          ? splitPhases(convolve(x, [m], [plan], axis), [m], [plan], axis)[0]
          : alongAxis(x, axisMapMatrix(m), m.rows, axis);
      });
      return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor4D;
    }
    const raw = terms.map(([x, m], k) => convolve(x, [m], [plansList[k] as Polyphase], axis));
    const y = (raw.length === 1 ? raw[0] : tf.addN(raw)) as tf.Tensor4D;
    return splitPhases(y, [terms[0][1]], [first], axis)[0];
  });
}

/** One strided depthwise convolution computing every phase of every map: [.., C * phases], channel c * P + r. */
function convolve(x: tf.Tensor4D, maps: AxisMap[], plan: Polyphase[], axis: 1 | 2): tf.Tensor4D {
  const stride = plan[0].stride;
  const outputs = Math.max(...maps.map((m, k) => Math.ceil(m.rows / plan[k].phases)));
  const origin = Math.min(...plan.map((p) => p.origin));
  const kernel = Math.max(...plan.map((p) => p.origin - origin + p.kernel));
  const totalPhases = plan.reduce((s, p) => s + p.phases, 0);
  const bank = new Float32Array(kernel * totalPhases);
  let offset = 0;
  for (const p of plan) {
    const shift = p.origin - origin;
    for (let k = 0; k < p.kernel; k++)
      for (let r = 0; r < p.phases; r++) bank[(k + shift) * totalPhases + offset + r] = p.filter[k * p.phases + r];
    offset += p.phases;
  }
  const c = x.shape[3];
  const virtual = extendAxis(x, axis, maps[0], origin, origin + (outputs - 1) * stride + kernel);
  const filterShape: [number, number, number, number] =
    axis === 1 ? [kernel, 1, 1, totalPhases] : [1, kernel, 1, totalPhases];
  const filter = tf.tile(tf.tensor4d(bank, filterShape), [1, 1, c, 1]) as tf.Tensor4D;
  return tf.depthwiseConv2d(virtual, filter, axis === 1 ? [stride, 1] : [1, stride], 'valid');
}

/** Cuts the convolution's channels into each map's output, interleaving a map's phases along `axis`. */
function splitPhases(y: tf.Tensor4D, maps: AxisMap[], plan: Polyphase[], axis: 1 | 2): tf.Tensor4D[] {
  const [n, h, w, cp] = y.shape;
  const totalPhases = plan.reduce((s, p) => s + p.phases, 0);
  const c = cp / totalPhases;
  const trim = (t: tf.Tensor, rows: number) => {
    const t4 = t as tf.Tensor4D;
    if (t4.shape[axis] === rows) return t4;
    return tf.slice(t4, [0, 0, 0, 0], axis === 1 ? [n, rows, w, c] : [n, h, rows, c]) as tf.Tensor4D;
  };
  if (maps.length === 1) {
    const p = totalPhases;
    if (p === 1) return [trim(y, maps[0].rows)];
    // [N, h, w, C, P] -> [N, h, P, w, C] (rows) or [N, h, w, P, C] (columns): one transpose.
    const split = tf.reshape(y, [n, h, w, c, p]);
    const out =
      axis === 1
        ? tf.reshape(tf.transpose(split, [0, 1, 4, 2, 3]), [n, h * p, w, c])
        : c === 1
          ? tf.reshape(split, [n, h, w * p, 1])
          : tf.reshape(tf.transpose(split, [0, 1, 2, 4, 3]), [n, h, w * p, c]);
    return [trim(out, maps[0].rows)];
  }
  // Several maps: phases first (contiguous slices), then each map's phases interleaved.
  const byPhase = tf.transpose(tf.reshape(y, [n, h, w, c, totalPhases]), [4, 0, 1, 2, 3]);
  let first = 0;
  return maps.map((m, k) => {
    const p = plan[k].phases;
    const mine = tf.slice(byPhase, [first, 0, 0, 0, 0], [p, n, h, w, c]);
    first += p;
    if (p === 1) return trim(tf.reshape(mine, [n, h, w, c]), m.rows);
    const out =
      axis === 1
        ? tf.reshape(tf.transpose(mine, [1, 2, 0, 3, 4]), [n, h * p, w, c])
        : tf.reshape(tf.transpose(mine, [1, 2, 3, 0, 4]), [n, h, w * p, c]);
    return trim(out, m.rows);
  });
}

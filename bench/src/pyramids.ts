// @scalespace/pyramids: megapixels per second of each transform on a 1024x1024 RGB image, against a
// straightforward typed-array implementation of the same transform run in this process (checked to
// give the same numbers), and against NumPy / PyWavelets when a python3 with numpy is found
// ($SCALESPACE_PYTHON, else python3 on PATH).
import { execFileSync } from 'node:child_process';
import { initBackend, rng, tf } from '@scalespace/core';
import {
  disposePaired,
  disposeWavelet,
  gaussianPyramid,
  laplacianPyramid,
  liftingPyramid,
  pairedPyramid,
  reconstructLaplacian,
  reconstructLifting,
  reconstructPaired,
  resize,
  wavedec2,
  waverec2,
} from '@scalespace/pyramids';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const SIZE = 1024;
const C = 3;
const LEVELS = 3;
const REPEATS = 5;
const MEGAPIXELS = (SIZE * SIZE) / 1e6;

// ---------------------------------------------------------------------------------------------
// Baseline: plain loops over Float32Array / Int32Array, HWC layout, the obvious way to write each.

interface Img {
  data: Float32Array;
  h: number;
  w: number;
}

/** A banded 1-D map: out[i] = sum_t weight[i, t] * in[index[i, t]]. */
interface Taps {
  rows: number;
  per: number;
  index: Int32Array;
  weight: Float32Array;
}

function makeTaps(rows: number, per: number, tap: (i: number, t: number) => [number, number]): Taps {
  const index = new Int32Array(rows * per);
  const weight = new Float32Array(rows * per);
  for (let i = 0; i < rows; i++) for (let t = 0; t < per; t++) [index[i * per + t], weight[i * per + t]] = tap(i, t);
  return { rows, per, index, weight };
}

function alongH(x: Img, taps: Taps): Img {
  const row = x.w * C;
  const out = new Float32Array(taps.rows * row);
  for (let i = 0; i < taps.rows; i++) {
    const o = i * row;
    for (let t = 0; t < taps.per; t++) {
      const wt = taps.weight[i * taps.per + t];
      const s = taps.index[i * taps.per + t] * row;
      for (let k = 0; k < row; k++) out[o + k] += wt * x.data[s + k];
    }
  }
  return { data: out, h: taps.rows, w: x.w };
}

function alongW(x: Img, taps: Taps): Img {
  const out = new Float32Array(x.h * taps.rows * C);
  for (let y = 0; y < x.h; y++) {
    const src = y * x.w * C;
    const dst = y * taps.rows * C;
    for (let i = 0; i < taps.rows; i++)
      for (let t = 0; t < taps.per; t++) {
        const wt = taps.weight[i * taps.per + t];
        const s = src + taps.index[i * taps.per + t] * C;
        for (let c = 0; c < C; c++) out[dst + i * C + c] += wt * x.data[s + c];
      }
  }
  return { data: out, h: x.h, w: taps.rows };
}

const symmetric = (j: number, n: number) => {
  const p = 2 * n;
  const q = ((j % p) + p) % p;
  return q < n ? q : p - 1 - q;
};
const reflect = (j: number, n: number) => {
  let q = j;
  while (q < 0 || q >= n) q = q < 0 ? -q : 2 * (n - 1) - q;
  return q;
};

/** One level of the orthonormal Haar DWT (periodization, even sides): [LL, HL, LH, HH]. */
function haarLevel(x: Img): Img[] {
  const h = x.h / 2;
  const w = x.w / 2;
  const bands = [0, 1, 2, 3].map(() => new Float32Array(h * w * C));
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let c = 0; c < C; c++) {
        const a = x.data[(2 * y * x.w + 2 * xx) * C + c];
        const b = x.data[(2 * y * x.w + 2 * xx + 1) * C + c];
        const d = x.data[((2 * y + 1) * x.w + 2 * xx) * C + c];
        const e = x.data[((2 * y + 1) * x.w + 2 * xx + 1) * C + c];
        const o = (y * w + xx) * C + c;
        bands[0][o] = (a + b + d + e) / 2;
        bands[1][o] = (a + b - d - e) / 2;
        bands[2][o] = (a - b + d - e) / 2;
        bands[3][o] = (a - b - d + e) / 2;
      }
  return bands.map((data) => ({ data, h, w }));
}

function haarInverse(bands: Img[]): Img {
  const { h, w } = bands[0];
  const out = new Float32Array(4 * h * w * C);
  const W = 2 * w;
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < w; xx++)
      for (let c = 0; c < C; c++) {
        const o = (y * w + xx) * C + c;
        const ll = bands[0].data[o];
        const hl = bands[1].data[o];
        const lh = bands[2].data[o];
        const hh = bands[3].data[o];
        out[(2 * y * W + 2 * xx) * C + c] = (ll + hl + lh + hh) / 2;
        out[(2 * y * W + 2 * xx + 1) * C + c] = (ll + hl - lh - hh) / 2;
        out[((2 * y + 1) * W + 2 * xx) * C + c] = (ll - hl + lh - hh) / 2;
        out[((2 * y + 1) * W + 2 * xx + 1) * C + c] = (ll - hl - lh + hh) / 2;
      }
  return { data: out, h: 2 * h, w: W };
}

const DB4 = [
  -0.010597401785069032, 0.0328830116668852, 0.030841381835560764, -0.18703481171909309, -0.027983769416859854,
  0.6308807679298589, 0.7148465705529157, 0.2303778133088965,
];
const DB4_HI = DB4.map((_, k) => (k % 2 === 0 ? -1 : 1) * DB4[DB4.length - 1 - k]);

/** PyWavelets' symmetric-mode analysis taps: a[i] = sum_k f[k] x[sym(2i + 1 - k)]. */
function db4Taps(n: number, filter: number[]): Taps {
  const L = filter.length;
  return makeTaps(Math.floor((n + L - 1) / 2), L, (i, k) => [symmetric(2 * i + 1 - k, n), filter[k]]);
}

function db4Level(x: Img): Img[] {
  const lo = alongH(x, db4Taps(x.h, DB4));
  const hi = alongH(x, db4Taps(x.h, DB4_HI));
  const loW = db4Taps(x.w, DB4);
  const hiW = db4Taps(x.w, DB4_HI);
  return [alongW(lo, loW), alongW(hi, loW), alongW(lo, hiW), alongW(hi, hiW)];
}

/** MATLAB imresize contributions: bicubic (a = -0.5), antialiased when shrinking, mirrored edges. */
function bicubicTaps(inSize: number, scale: number): Taps {
  const cubic = (x: number) => {
    const a = Math.abs(x);
    return a <= 1 ? 1.5 * a ** 3 - 2.5 * a ** 2 + 1 : a < 2 ? -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2 : 0;
  };
  const shrink = scale < 1;
  const width = shrink ? 4 / scale : 4;
  const kernel = shrink ? (x: number) => scale * cubic(scale * x) : cubic;
  const per = Math.ceil(width) + 2;
  const rows = Math.ceil(inSize * scale);
  const weights = new Float64Array(per);
  const index = new Int32Array(rows * per);
  const weight = new Float32Array(rows * per);
  for (let i = 0; i < rows; i++) {
    const u = (i + 0.5) / scale - 0.5;
    const left = Math.floor(u - width / 2);
    let total = 0;
    for (let t = 0; t < per; t++) total += weights[t] = kernel(u - left - t);
    for (let t = 0; t < per; t++) {
      index[i * per + t] = symmetric(left + t, inSize);
      weight[i * per + t] = weights[t] / total;
    }
  }
  return { rows, per, index, weight };
}

function resizeBaseline(x: Img, scale: number): Img {
  return alongW(alongH(x, bicubicTaps(x.h, scale)), bicubicTaps(x.w, scale));
}

const BINOMIAL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];
const reduceTaps = (n: number) => makeTaps(Math.ceil(n / 2), 5, (i, t) => [reflect(2 * i + t - 2, n), BINOMIAL[t]]);

/** Zeros between samples, reflected at the ends of the zero-filled signal, blurred with 2 x binomial. */
function expandTaps(out: number): Taps {
  return makeTaps(out, 5, (j, t) => {
    const q = reflect(j + t - 2, out);
    return q % 2 === 0 ? [q / 2, 2 * BINOMIAL[t]] : [0, 0];
  });
}

function gaussianBaseline(x: Img, levels: number): Img[] {
  const out = [x];
  for (let l = 1; l < levels; l++) {
    const prev = out[l - 1];
    out.push(alongW(alongH(prev, reduceTaps(prev.h)), reduceTaps(prev.w)));
  }
  return out;
}

function laplacianBaseline(x: Img, levels: number): Img[] {
  const g = gaussianBaseline(x, levels);
  const bands = g.slice(0, -1).map((fine, l) => {
    const up = alongW(alongH(g[l + 1], expandTaps(fine.h)), expandTaps(fine.w));
    return { ...fine, data: fine.data.map((v, i) => v - up.data[i]) };
  });
  return [...bands, g[g.length - 1]];
}

function laplacianInverseBaseline(levels: Img[]): Img {
  let current = levels[levels.length - 1];
  for (let l = levels.length - 2; l >= 0; l--) {
    const band = levels[l];
    const up = alongW(alongH(current, expandTaps(band.h)), expandTaps(band.w));
    current = { ...band, data: band.data.map((v, i) => v + up.data[i]) };
  }
  return current;
}

/** The paired pyramid on HWC Int32Array, down to 4x4. */
function pairedBaseline(x: Int32Array, h0: number, w0: number, n: number) {
  const levels: Int32Array[] = [];
  const byRows: boolean[] = [];
  let cur = x;
  let h = h0;
  let w = w0;
  while (h > 4 || w > 4) {
    const rows = h >= w;
    const nh = rows ? h / 2 : h;
    const nw = rows ? w : w / 2;
    const coarse = new Int32Array(nh * nw * C);
    const fine = new Int32Array(nh * nw * C);
    for (let y = 0; y < nh; y++)
      for (let xx = 0; xx < nw; xx++)
        for (let c = 0; c < C; c++) {
          const p1 = rows ? cur[(2 * y * w + xx) * C + c] : cur[(y * w + 2 * xx) * C + c];
          const p2 = rows ? cur[((2 * y + 1) * w + xx) * C + c] : cur[(y * w + 2 * xx + 1) * C + c];
          const o = (y * nw + xx) * C + c;
          coarse[o] = p2;
          fine[o] = (p1 - p2 + n / 2 + n) % n;
        }
    levels.push(fine);
    byRows.push(rows);
    cur = coarse;
    h = nh;
    w = nw;
  }
  return { coarse: cur, levels, byRows, h, w };
}

function pairedInverseBaseline(p: ReturnType<typeof pairedBaseline>, n: number): Int32Array {
  let cur = p.coarse;
  let h = p.h;
  let w = p.w;
  for (let l = p.levels.length - 1; l >= 0; l--) {
    const fine = p.levels[l];
    const byRows = p.byRows[l];
    const H = byRows ? 2 * h : h;
    const W = byRows ? w : 2 * w;
    const out = new Int32Array(H * W * C);
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let c = 0; c < C; c++) {
          const o = (y * w + xx) * C + c;
          const p2 = cur[o];
          const p1 = (p2 + fine[o] + n / 2) % n;
          if (byRows) {
            out[(2 * y * W + xx) * C + c] = p1;
            out[((2 * y + 1) * W + xx) * C + c] = p2;
          } else {
            out[(y * W + 2 * xx) * C + c] = p1;
            out[(y * W + 2 * xx + 1) * C + c] = p2;
          }
        }
    cur = out;
    h = H;
    w = W;
  }
  return cur;
}

/** 5/3 lifting of one line (stride-addressed), in place: low half then high half. Even n. */
function liftLine(data: Int32Array, base: number, stride: number, n: number, line: Int32Array, inverse: boolean) {
  const half = n / 2;
  if (!inverse) {
    for (let i = 0; i < n; i++) line[i] = data[base + i * stride];
    for (let k = 0; k < half; k++) {
      const right = 2 * k + 2 < n ? line[2 * k + 2] : line[2 * k];
      line[2 * k + 1] -= Math.floor((line[2 * k] + right) / 2);
    }
    for (let k = 0; k < half; k++) line[2 * k] += Math.floor((line[k > 0 ? 2 * k - 1 : 1] + line[2 * k + 1] + 2) / 4);
    for (let k = 0; k < half; k++) {
      data[base + k * stride] = line[2 * k];
      data[base + (half + k) * stride] = line[2 * k + 1];
    }
    return;
  }
  for (let k = 0; k < half; k++) {
    line[2 * k] = data[base + k * stride];
    line[2 * k + 1] = data[base + (half + k) * stride];
  }
  for (let k = 0; k < half; k++) line[2 * k] -= Math.floor((line[k > 0 ? 2 * k - 1 : 1] + line[2 * k + 1] + 2) / 4);
  for (let k = 0; k < half; k++) {
    const right = 2 * k + 2 < n ? line[2 * k + 2] : line[2 * k];
    line[2 * k + 1] += Math.floor((line[2 * k] + right) / 2);
  }
  for (let i = 0; i < n; i++) data[base + i * stride] = line[i];
}

/** LEVELS levels of 5/3 lifting on planar [C, H, W] data (even sides), or their inverse. */
function liftingPlanes(planes: Int32Array, h0: number, w0: number, inverse: boolean): Int32Array {
  const line = new Int32Array(Math.max(h0, w0));
  const sizes = Array.from({ length: LEVELS }, (_, l) => [h0 >> l, w0 >> l]);
  for (const [h, w] of inverse ? sizes.reverse() : sizes)
    for (let c = 0; c < C; c++) {
      const base = c * h0 * w0;
      if (!inverse) for (let col = 0; col < w; col++) liftLine(planes, base + col, w0, h, line, false);
      for (let row = 0; row < h; row++) liftLine(planes, base + row * w0, 1, w, line, inverse);
      if (inverse) for (let col = 0; col < w; col++) liftLine(planes, base + col, w0, h, line, true);
    }
  return planes;
}

const toPlanar = (x: Int32Array, n: number) => {
  const planes = new Int32Array(x.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) planes[c * n + i] = x[i * C + c];
  return planes;
};
const toInterleaved = (planes: Int32Array, n: number) => {
  const x = new Int32Array(planes.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) x[i * C + c] = planes[c * n + i];
  return x;
};

// ---------------------------------------------------------------------------------------------

interface Row {
  transform: string;
  oursMs: number;
  baselineMs: number;
  /** Largest difference between our output and the baseline's (same work done). */
  maxDiff: number;
  numpyMs?: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Times ours (tensors in, results read back) and the baseline; compares one output of each. */
async function measure(
  transform: string,
  ours: () =>
    | Promise<{ check: ArrayLike<number>; dispose: () => void }>
    | { check: ArrayLike<number>; dispose: () => void },
  baseline: () => ArrayLike<number>,
): Promise<Row> {
  const first = await ours();
  const reference = baseline();
  const maxDiff = maxAbsDiff(first.check, reference);
  first.dispose();
  const oursMs = median(await timeRuns(async () => (await ours()).dispose(), REPEATS, 1));
  const baselineMs = median(await timeRuns(baseline, REPEATS, 1));
  return { transform, oursMs, baselineMs, maxDiff };
}

/** The same transforms in NumPy (and PyWavelets when importable), timed in a child process. */
const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
try:
    import pywt
except Exception:
    pywt = None
S, C, J, R = 1024, 3, 3, 5
rs = np.random.RandomState(0)
x = rs.rand(S, S, C).astype(np.float32)
xi = (x * 256).astype(np.int32)

def timed(f):
    f()
    t = []
    for _ in range(R):
        t0 = time.perf_counter(); f(); t.append((time.perf_counter() - t0) * 1000)
    return float(np.median(t))

def haar(a):
    p, q, r, s = a[0::2, 0::2], a[0::2, 1::2], a[1::2, 0::2], a[1::2, 1::2]
    return [(p + q + r + s) / 2, (p + q - r - s) / 2, (p - q + r - s) / 2, (p - q - r + s) / 2]

def haar_dec():
    a = x
    for _ in range(J):
        a = haar(a)[0]

def paired():
    n = 256
    cur = xi
    while cur.shape[0] > 4 or cur.shape[1] > 4:
        if cur.shape[0] >= cur.shape[1]:
            p1, p2 = cur[0::2], cur[1::2]
        else:
            p1, p2 = cur[:, 0::2], cur[:, 1::2]
        fine = (p1 - p2 + n // 2) % n
        cur = p2

def contributions(n, scale):
    def cubic(t):
        a = np.abs(t)
        return (1.5 * a**3 - 2.5 * a**2 + 1) * (a <= 1) + (-0.5 * a**3 + 2.5 * a**2 - 4 * a + 2) * ((a > 1) & (a < 2))
    width = 4 / scale if scale < 1 else 4
    h = (lambda t: scale * cubic(scale * t)) if scale < 1 else cubic
    m = int(np.ceil(n * scale))
    u = (np.arange(m) + 0.5) / scale - 0.5
    left = np.floor(u - width / 2)
    idx = left[:, None] + np.arange(int(np.ceil(width)) + 2)[None, :]
    w = h(u[:, None] - idx)
    w = (w / w.sum(1, keepdims=True)).astype(np.float32)
    period = 2 * n
    q = np.mod(idx, period).astype(int)
    q = np.where(q < n, q, period - 1 - q)
    return q, w

def resize(a, scale):
    qh, wh = contributions(a.shape[0], scale)
    a = np.einsum('ot,otwc->owc', wh, a[qh])
    qw, ww = contributions(a.shape[1], scale)
    return np.einsum('ot,hotc->hoc', ww, a[:, qw])

def gauss_level(a):
    k = np.array([1, 4, 6, 4, 1], np.float32) / 16
    p = np.pad(a, ((2, 2), (2, 2), (0, 0)), mode='reflect')
    v = sum(k[t] * p[t:t + a.shape[0]:2] for t in range(5))
    return sum(k[t] * v[:, t:t + a.shape[1]:2] for t in range(5))

def gaussian():
    a = x
    levels = [a]
    while min(a.shape[:2]) > 1:
        a = gauss_level(a)
        levels.append(a)

def lift_axis(a, axis):
    a = np.moveaxis(a, axis, 0)
    even, odd = a[0::2].copy(), a[1::2].copy()
    odd -= (even + np.concatenate([even[1:], even[-1:]])) >> 1
    even += (np.concatenate([odd[:1], odd[:-1]]) + odd + 2) >> 2
    return np.moveaxis(np.concatenate([even, odd]), 0, axis)

def lifting():
    a = xi.copy()
    h, w = a.shape[:2]
    for _ in range(J):
        a[:h, :w] = lift_axis(lift_axis(a[:h, :w], 0), 1)
        h, w = h // 2, w // 2

out = {}
if pywt is not None:
    out['pywt'] = pywt.__version__
    out['wavedec2 haar J=3'] = timed(lambda: pywt.wavedec2(x, 'haar', mode='periodization', level=J, axes=(0, 1)))
    co = pywt.wavedec2(x, 'haar', mode='periodization', level=J, axes=(0, 1))
    out['waverec2 haar J=3'] = timed(lambda: pywt.waverec2(co, 'haar', mode='periodization', axes=(0, 1)))
    out['wavedec2 db4 symmetric J=3'] = timed(lambda: pywt.wavedec2(x, 'db4', mode='symmetric', level=J, axes=(0, 1)))
else:
    out['wavedec2 haar J=3'] = timed(haar_dec)
out['numpy'] = np.__version__
out['paired pyramid 8-bit'] = timed(paired)
out['lifting 5/3 J=3'] = timed(lifting)
out['resize bicubic 1/4'] = timed(lambda: resize(x, 0.25))
out['resize bicubic x2'] = timed(lambda: resize(x, 2.0))
out['gaussian pyramid'] = timed(gaussian)
print(json.dumps(out))
`;

function numpyTimes(): Record<string, number | string> | null {
  const candidates = [process.env.SCALESPACE_PYTHON, 'python3'].filter((p): p is string => Boolean(p));
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    } catch {
      continue;
    }
    try {
      const text = execFileSync(python, ['-'], { input: NUMPY_SCRIPT, encoding: 'utf8', maxBuffer: 1 << 20 });
      return { python, ...JSON.parse(text.trim().split('\n').pop() ?? '{}') };
    } catch (error) {
      console.error(`numpy comparison failed with ${python}: ${(error as Error).message}`);
    }
  }
  return null;
}

export async function run(): Promise<void> {
  const backend = await initBackend();
  const r = rng(0);
  const x = r.uniformTensor([SIZE, SIZE, C]) as tf.Tensor3D;
  const xi = tf.tidy(() => tf.cast(tf.floor(tf.mul(x, 256)), 'int32')) as tf.Tensor3D;
  const img: Img = { data: Float32Array.from(x.dataSync()), h: SIZE, w: SIZE };
  const ints = Int32Array.from(xi.dataSync());
  const rows: Row[] = [];

  // Orthogonal wavelets: compare the coarsest low-pass band.
  rows.push(
    await measure(
      'wavedec2 haar J=3',
      () => {
        const d = wavedec2(x, { wavelet: 'haar', levels: LEVELS });
        return { check: d.lowpass.dataSync(), dispose: () => disposeWavelet(d) };
      },
      () => {
        let a = img;
        for (let l = 0; l < LEVELS; l++) a = haarLevel(a)[0];
        return a.data;
      },
    ),
  );
  const haarDec = wavedec2(x, { wavelet: 'haar', levels: LEVELS });
  const haarBands: Img[][] = [];
  {
    let a = img;
    for (let l = 0; l < LEVELS; l++) {
      const b = haarLevel(a);
      haarBands.push(b);
      a = b[0];
    }
  }
  rows.push(
    await measure(
      'waverec2 haar J=3',
      () => {
        const y = waverec2(haarDec);
        return { check: y.dataSync(), dispose: () => y.dispose() };
      },
      () => {
        let a = haarBands[LEVELS - 1][0];
        for (let l = LEVELS - 1; l >= 0; l--) a = haarInverse([a, ...haarBands[l].slice(1)]);
        return a.data;
      },
    ),
  );
  disposeWavelet(haarDec);
  rows.push(
    await measure(
      'wavedec2 db4 symmetric J=3',
      () => {
        const d = wavedec2(x, { wavelet: 'db4', mode: 'symmetric', levels: LEVELS });
        return { check: d.lowpass.dataSync(), dispose: () => disposeWavelet(d) };
      },
      () => {
        let a = img;
        for (let l = 0; l < LEVELS; l++) a = db4Level(a)[0];
        return a.data;
      },
    ),
  );

  // Lossless integer pyramids: compare the coarse image / the reconstruction.
  rows.push(
    await measure(
      'paired pyramid 8-bit',
      () => {
        const p = pairedPyramid(xi, { bits: 8 });
        return { check: p.levels[0].fine.dataSync(), dispose: () => disposePaired(p) };
      },
      () => pairedBaseline(ints, SIZE, SIZE, 256).levels[0],
    ),
  );
  const paired = pairedPyramid(xi, { bits: 8 });
  const pairedHost = pairedBaseline(ints, SIZE, SIZE, 256);
  rows.push(
    await measure(
      'paired reconstruction',
      () => {
        const y = reconstructPaired(paired);
        return { check: y.dataSync(), dispose: () => y.dispose() };
      },
      () => pairedInverseBaseline(pairedHost, 256),
    ),
  );
  disposePaired(paired);
  rows.push(
    await measure(
      'lifting 5/3 J=3',
      async () => {
        const p = await liftingPyramid(xi, { bits: 8, levels: LEVELS });
        return { check: p.coarse.dataSync(), dispose: () => tf.dispose([p.coarse, ...p.levels]) };
      },
      () => {
        const planes = liftingPlanes(toPlanar(ints, SIZE * SIZE), SIZE, SIZE, false);
        const s = SIZE >> LEVELS;
        const coarse = new Int32Array(s * s * C);
        for (let y = 0; y < s; y++)
          for (let xx = 0; xx < s; xx++)
            for (let c = 0; c < C; c++) coarse[(y * s + xx) * C + c] = planes[c * SIZE * SIZE + y * SIZE + xx];
        return coarse;
      },
    ),
  );
  const lifted = await liftingPyramid(xi, { bits: 8, levels: LEVELS });
  const liftedPlanes = liftingPlanes(toPlanar(ints, SIZE * SIZE), SIZE, SIZE, false);
  rows.push(
    await measure(
      'lifting reconstruction',
      async () => {
        const y = await reconstructLifting(lifted);
        return { check: y.dataSync(), dispose: () => y.dispose() };
      },
      () => toInterleaved(liftingPlanes(Int32Array.from(liftedPlanes), SIZE, SIZE, true), SIZE * SIZE),
    ),
  );
  tf.dispose([lifted.coarse, ...lifted.levels]);

  // Resampling (MATLAB imresize conventions).
  for (const scale of [0.25, 2]) {
    rows.push(
      await measure(
        `resize bicubic ${scale < 1 ? '1/4' : 'x2'}`,
        () => {
          const y = resize(x, { scale });
          return { check: y.dataSync(), dispose: () => y.dispose() };
        },
        () => resizeBaseline(img, scale).data,
      ),
    );
  }

  // Gaussian / Laplacian pyramids (full depth): compare the coarsest level / the reconstruction.
  const depth = 1 + Math.floor(Math.log2(SIZE));
  rows.push(
    await measure(
      'gaussian pyramid',
      () => {
        const g = gaussianPyramid(x);
        return { check: g[3].dataSync(), dispose: () => tf.dispose(g) };
      },
      () => gaussianBaseline(img, depth)[3].data,
    ),
  );
  rows.push(
    await measure(
      'laplacian pyramid',
      () => {
        const p = laplacianPyramid(x);
        return { check: p.bands[0].dataSync(), dispose: () => tf.dispose([...p.bands, p.residual]) };
      },
      () => laplacianBaseline(img, depth)[0].data,
    ),
  );
  const lap = laplacianPyramid(x);
  const lapHost = laplacianBaseline(img, depth);
  rows.push(
    await measure(
      'laplacian reconstruction',
      () => {
        const y = reconstructLaplacian(lap);
        return { check: y.dataSync(), dispose: () => y.dispose() };
      },
      () => laplacianInverseBaseline(lapHost).data,
    ),
  );
  tf.dispose([...lap.bands, lap.residual, x, xi]);

  const numpy = numpyTimes();
  for (const row of rows) {
    const t = numpy?.[row.transform];
    if (typeof t === 'number') row.numpyMs = t;
  }
  const mps = (ms: number) => MEGAPIXELS / (ms / 1000);
  printTable(
    ['transform', 'ours MP/s', 'typed-array MP/s', 'ours / typed', 'numpy MP/s', 'ours / numpy', 'max |diff|'],
    rows.map((row) => [
      row.transform,
      mps(row.oursMs),
      mps(row.baselineMs),
      row.baselineMs / row.oursMs,
      row.numpyMs ? mps(row.numpyMs) : '-',
      row.numpyMs ? row.numpyMs / row.oursMs : '-',
      row.maxDiff.toExponential(1),
    ]),
  );
  console.log(
    `${SIZE}x${SIZE}x${C}, medians of ${REPEATS} runs, backend ${backend}; ratios > 1 mean ours is faster.` +
      (numpy
        ? ` NumPy ${numpy.numpy}${numpy.pywt ? `, PyWavelets ${numpy.pywt}` : ''} via ${numpy.python}.`
        : ' No python3 with numpy found (set SCALESPACE_PYTHON).'),
  );
  const file = await writeResults('pyramids', {
    image: [SIZE, SIZE, C],
    backend,
    repeats: REPEATS,
    numpy: numpy ? { python: numpy.python, numpy: numpy.numpy, pywt: numpy.pywt ?? null } : null,
    rows: rows.map((row) => ({
      ...row,
      oursMegapixelsPerSecond: mps(row.oursMs),
      baselineMegapixelsPerSecond: mps(row.baselineMs),
      ratioVsBaseline: row.baselineMs / row.oursMs,
      ratioVsNumpy: row.numpyMs ? row.numpyMs / row.oursMs : null,
    })),
  });
  console.log(`wrote ${file}`);
}

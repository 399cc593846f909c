import { InvalidArgumentError } from '@scalespace/core';
import type { AxisMap } from './axis-map.js';
import type { WaveletFilters } from './wavelet-filters.js';

/** Boundary handling, with PyWavelets' meaning. */
export type WaveletMode = 'periodization' | 'symmetric';

export interface AxisTransform {
  /** Coefficients per band after analysis. */
  coefficients: number;
  /** Analysis maps (n samples -> coefficients). */
  analysisLo: AxisMap;
  analysisHi: AxisMap;
  /** Length produced by synthesis (PyWavelets' idwt length; trimmed to n by the caller). */
  synthesized: number;
  /** Synthesis maps (coefficients -> synthesized samples). */
  synthesisLo: AxisMap;
  synthesisHi: AxisMap;
}

function map(
  size: number,
  rows: number,
  taps: number,
  boundary: AxisMap['boundary'],
  tap: (i: number) => { start: number; weight: (t: number) => number },
  period?: number,
): AxisMap {
  const starts = new Int32Array(rows);
  const weights = new Float32Array(rows * taps);
  for (let i = 0; i < rows; i++) {
    const { start, weight } = tap(i);
    starts[i] = start;
    for (let t = 0; t < taps; t++) weights[i * taps + t] = weight(t);
  }
  return { size, rows, taps, starts, weights, boundary, period };
}

/**
 * The one-level DWT along an axis of length n, exactly as PyWavelets computes it:
 * - periodization: odd n is first extended by repeating the last sample (length n');
 *   a[i] = sum_k lo[k] x[(2i + L/2 - k) mod n']; synthesis is the transpose on n' samples
 *   (the transform is orthogonal there): x[j] = sum over k with j + k - L/2 even of lo[k] a[(j + k - L/2) / 2 mod n'/2].
 * - symmetric: x extended by half-sample symmetry; a[i] = sum_k lo[k] x[2i + 1 - k] (m = floor((n + L - 1) / 2)
 *   coefficients); synthesis upsamples, convolves with the reconstruction filters and keeps the
 *   samples from L - 2 on: x[t] = sum_i c[i] rec[t + L - 2 - 2i] (2m - L + 2 samples).
 */
export function axisTransform(filters: WaveletFilters, n: number, mode: WaveletMode): AxisTransform {
  const { decLo, decHi, recLo, recHi } = filters;
  const L = decLo.length;
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`wavelet transform: axis length must be positive, got ${n}`);
  // Analysis taps t = 0..L-1 read virtual sample start + t with filter index k = L - 1 - t.
  const analysis = (filter: number[], first: number) => (i: number) => ({
    start: 2 * i + first,
    weight: (t: number) => filter[L - 1 - t],
  });
  if (mode === 'periodization') {
    const even = n + (n % 2);
    const m = even / 2;
    const synthesis = (filter: number[]) => (j: number) => {
      const start = Math.ceil((j - L / 2) / 2);
      return { start, weight: (t: number) => filter[2 * (start + t) + L / 2 - j] ?? 0 };
    };
    return {
      coefficients: m,
      analysisLo: map(n, m, L, 'periodic', analysis(decLo, L / 2 - L + 1), even),
      analysisHi: map(n, m, L, 'periodic', analysis(decHi, L / 2 - L + 1), even),
      synthesized: even,
      synthesisLo: map(m, even, L / 2, 'periodic', synthesis(decLo)),
      synthesisHi: map(m, even, L / 2, 'periodic', synthesis(decHi)),
    };
  }
  if (mode === 'symmetric') {
    const m = Math.floor((n + L - 1) / 2);
    const out = 2 * m - L + 2;
    const synthesis = (filter: number[]) => (t: number) => {
      const start = Math.ceil((t - 1) / 2);
      return { start, weight: (s: number) => filter[t + L - 2 - 2 * (start + s)] ?? 0 };
    };
    return {
      coefficients: m,
      analysisLo: map(n, m, L, 'symmetric', analysis(decLo, 2 - L)),
      analysisHi: map(n, m, L, 'symmetric', analysis(decHi, 2 - L)),
      synthesized: out,
      synthesisLo: map(m, out, L / 2, 'zero', synthesis(recLo)),
      synthesisHi: map(m, out, L / 2, 'zero', synthesis(recHi)),
    };
  }
  throw new InvalidArgumentError(`unknown wavelet mode "${mode}"; use 'periodization' or 'symmetric'`);
}

import { InvalidArgumentError } from '@scalespace/core';
import type { WaveletFilters } from './wavelet-filters.js';

/** Boundary handling, with PyWavelets' meaning. */
export type WaveletMode = 'periodization' | 'symmetric';

export interface AxisTransform {
  /** Coefficients per band after analysis. */
  coefficients: number;
  /** Analysis matrices [coefficients x n], row-major. */
  analysisLo: Float32Array;
  analysisHi: Float32Array;
  /** Length produced by synthesis (PyWavelets' idwt length; trimmed to n by the caller). */
  synthesized: number;
  /** Synthesis matrices [synthesized x coefficients], row-major. */
  synthesisLo: Float32Array;
  synthesisHi: Float32Array;
}

/** Index of a half-sample symmetric extension (numpy pad mode 'symmetric'), reflecting as often as needed. */
function reflect(p: number, n: number): number {
  let q = p;
  while (q < 0 || q >= n) q = q < 0 ? -q - 1 : 2 * n - q - 1;
  return q;
}

/**
 * The one-level DWT along an axis of length n as dense matrices, exactly as PyWavelets computes it:
 * - periodization: odd n is first extended by repeating the last sample; a[i] = sum_k lo[k] x[(2i + L/2 - k) mod n'];
 *   synthesis is the transpose on the extended length (the transform is orthogonal there).
 * - symmetric: x extended by L-1 samples of half-sample symmetry on each side; a[i] = sum_k lo[k] xe[2i + L - k];
 *   synthesis upsamples (coefficients at even positions), convolves with the reconstruction filters
 *   and keeps the samples from L-2 on.
 */
export function axisTransform(filters: WaveletFilters, n: number, mode: WaveletMode): AxisTransform {
  const { decLo, decHi, recLo, recHi } = filters;
  const L = decLo.length;
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`wavelet transform: axis length must be positive, got ${n}`);
  if (mode === 'periodization') {
    const even = n + (n % 2);
    const m = even / 2;
    const aLo = new Float32Array(m * n);
    const aHi = new Float32Array(m * n);
    const sLo = new Float32Array(even * m);
    const sHi = new Float32Array(even * m);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < L; k++) {
        const j = (((2 * i + L / 2 - k) % even) + even) % even;
        const source = Math.min(j, n - 1); // the repeated last sample of an odd axis
        aLo[i * n + source] += decLo[k];
        aHi[i * n + source] += decHi[k];
        sLo[j * m + i] += decLo[k];
        sHi[j * m + i] += decHi[k];
      }
    }
    return { coefficients: m, analysisLo: aLo, analysisHi: aHi, synthesized: even, synthesisLo: sLo, synthesisHi: sHi };
  }
  if (mode === 'symmetric') {
    const m = Math.floor((n + L - 1) / 2);
    const aLo = new Float32Array(m * n);
    const aHi = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < L; k++) {
        const source = reflect(2 * i + 1 - k, n);
        aLo[i * n + source] += decLo[k];
        aHi[i * n + source] += decHi[k];
      }
    }
    const out = 2 * m - L + 2;
    const sLo = new Float32Array(out * m);
    const sHi = new Float32Array(out * m);
    for (let t = 0; t < out; t++) {
      for (let i = 0; i < m; i++) {
        const k = t + L - 2 - 2 * i;
        if (k >= 0 && k < L) {
          sLo[t * m + i] = recLo[k];
          sHi[t * m + i] = recHi[k];
        }
      }
    }
    return { coefficients: m, analysisLo: aLo, analysisHi: aHi, synthesized: out, synthesisLo: sLo, synthesisHi: sHi };
  }
  throw new InvalidArgumentError(`unknown wavelet mode "${mode}"; use 'periodization' or 'symmetric'`);
}

import { InvalidArgumentError } from '@scalespace/core';

/** Orthogonal wavelets available for `dwt2` / `wavedec2`. */
export type WaveletName = 'haar' | 'db2' | 'db4' | 'sym4';

export interface WaveletFilters {
  name: WaveletName;
  /** Decomposition low-pass (scaling) filter, PyWavelets order. */
  decLo: number[];
  decHi: number[];
  recLo: number[];
  recHi: number[];
}

// Scaling filters of the Daubechies (db) and least-asymmetric "symlet" families, normalised to unit
// L2 norm (Daubechies, Ten Lectures on Wavelets, 1992), in the order PyWavelets lists dec_lo. The
// other three filters follow from the quadrature-mirror relations below. Tests check orthonormality,
// vanishing moments and agreement with PyWavelets' outputs.
const SCALING: Record<WaveletName, number[]> = {
  haar: [Math.SQRT1_2, Math.SQRT1_2],
  db2: [-0.12940952255126037, 0.2241438680420134, 0.8365163037378079, 0.48296291314453416],
  db4: [
    -0.010597401785069032, 0.0328830116668852, 0.030841381835560764, -0.18703481171909309, -0.027983769416859854,
    0.6308807679298589, 0.7148465705529157, 0.2303778133088965,
  ],
  sym4: [
    -0.07576571478927333, -0.02963552764599851, 0.49761866763201545, 0.8037387518059161, 0.29785779560527736,
    -0.09921954357684722, -0.012603967262037833, 0.0322231006040427,
  ],
};

export const WAVELETS = Object.keys(SCALING) as WaveletName[];

/** The four filters of an orthogonal wavelet: dec_hi[k] = (-1)^(k+1) dec_lo[L-1-k]; rec_* = reversed dec_*. */
export function waveletFilters(name: WaveletName): WaveletFilters {
  const decLo = SCALING[name];
  if (!decLo) throw new InvalidArgumentError(`unknown wavelet "${name}"; available: ${WAVELETS.join(', ')}`);
  const L = decLo.length;
  const decHi = decLo.map((_, k) => (k % 2 === 0 ? -1 : 1) * decLo[L - 1 - k]);
  return { name, decLo, decHi, recLo: [...decLo].reverse(), recHi: [...decHi].reverse() };
}

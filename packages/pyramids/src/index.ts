export type { Dwt2Result, WavedecOptions, WaveletDecomposition, WaveletOptions } from './dwt.js';
export { disposeWavelet, dwt2, idwt2, maxWaveletLevel, wavedec2, waverec2 } from './dwt.js';
export type { PairedLevel, PairedPyramid, PairedPyramidOptions } from './paired-pyramid.js';
export { disposePaired, pairedLevelSizes, pairedPyramid, reconstructPaired, splitAxis } from './paired-pyramid.js';
export { squeeze, unsqueeze } from './squeeze.js';
export type { WaveletFilters, WaveletName } from './wavelet-filters.js';
export { WAVELETS, waveletFilters } from './wavelet-filters.js';
export type { WaveletMode } from './wavelet-matrices.js';

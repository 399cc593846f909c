export type { BlockSpec } from './block-string.js';
export { parseBlockString } from './block-string.js';
export type { DecodeOptions, ElboReport, ElboTerms, LatentGroup, OutputMode, Temperature } from './vdvae.js';
export { disposeLatents, Vdvae } from './vdvae.js';
export type { VdvaeConfig } from './vdvae-config.js';
export { DEFAULT_VDVAE_CONFIG, resolveVdvaeConfig } from './vdvae-config.js';

// The API that runs everywhere, browsers included (the package's `browser` export condition);
// index.ts adds the Node-only part (training runs in folders, MNIST from disk).
export type { BlockSpec } from './block-string.js';
export { parseBlockString } from './block-string.js';
export type { Activation } from './bottleneck-block.js';
export { convertVDVAE, vdvaeFromTorch } from './convert-official.js';
export type { CVDVAEConfig, CVDVAELossTerms, SuperResolveOptions } from './cvdvae.js';
export { CVDVAE } from './cvdvae.js';
export type { CVDVAECheckpointConfig } from './cvdvae-io.js';
export { CVDVAE_FORMAT, loadCVDVAE, saveCVDVAE } from './cvdvae-io.js';
export * from './deprecated.js';
export type {
  DecodeLatentsOptions,
  DecodeOptions,
  ElboReport,
  ElboTerms,
  LatentGroup,
  OutputMode,
  Temperature,
} from './latents.js';
export { disposeLatents } from './latents.js';
export type { LowFrequencyOptions, LowFrequencyResult } from './low-frequency.js';
export { chooseGroups, lowFrequencyAnalysis } from './low-frequency.js';
export { lowResolution } from './low-res.js';
export { MNIST_VDVAE_CONFIG } from './mnist-config.js';
export type { OfficialHps } from './official-hps.js';
export { OFFICIAL_HPS_PRESETS, parseOfficialHps, vdvaeConfigFromOfficial } from './official-hps.js';
export type { SrEvaluationOptions, SrTableRow } from './sr-evaluation.js';
export { evaluateBicubic, evaluateSuperResolution } from './sr-evaluation.js';
export { VDVAE } from './vdvae.js';
export type { Quantization, VDVAEConfig } from './vdvae-config.js';
export { DEFAULT_VDVAE_CONFIG, resolveVDVAEConfig } from './vdvae-config.js';
export type { VDVAECheckpointConfig } from './vdvae-io.js';
export { loadVDVAE, saveVDVAE, VDVAE_FORMAT } from './vdvae-io.js';

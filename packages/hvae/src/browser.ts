// The API that runs everywhere, browsers included (the package's `browser` export condition);
// index.ts adds the Node-only part (training runs in folders, MNIST from disk).
export type { BlockSpec } from './block-string.js';
export { parseBlockString } from './block-string.js';
export type { Activation } from './bottleneck-block.js';
export { convertVdvae, vdvaeFromTorch } from './convert-official.js';
export type { CvdvaeConfig, CvdvaeLossTerms, SuperResolveOptions } from './cvdvae.js';
export { Cvdvae } from './cvdvae.js';
export type { CvdvaeCheckpointConfig } from './cvdvae-io.js';
export { CVDVAE_FORMAT, loadCvdvae, saveCvdvae } from './cvdvae-io.js';
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
export { Vdvae } from './vdvae.js';
export type { Quantization, VdvaeConfig } from './vdvae-config.js';
export { DEFAULT_VDVAE_CONFIG, resolveVdvaeConfig } from './vdvae-config.js';
export type { VdvaeCheckpointConfig } from './vdvae-io.js';
export { loadVdvae, saveVdvae, VDVAE_FORMAT } from './vdvae-io.js';

// Names from before scalespace spelled model names as their papers do (PixelCNN, BFCNN, VDVAE, CVDVAE, like
// SinGAN and PetsGAN): kept for one release so code written against them keeps working.

import { convertVDVAE } from './convert-official.js';
import { CVDVAE, type CVDVAEConfig, type CVDVAELossTerms } from './cvdvae.js';
import { type CVDVAECheckpointConfig, loadCVDVAE, saveCVDVAE } from './cvdvae-io.js';
import { VDVAE } from './vdvae.js';
import { resolveVDVAEConfig, type VDVAEConfig } from './vdvae-config.js';
import { loadVDVAE, saveVDVAE, type VDVAECheckpointConfig } from './vdvae-io.js';

/** @deprecated Renamed `convertVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const convertVdvae = convertVDVAE;
/** @deprecated Renamed `CVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const Cvdvae = CVDVAE;
/** @deprecated Renamed `CVDVAE` (the paper's spelling); this name goes in the next minor release. */
export type Cvdvae = CVDVAE;
/** @deprecated Renamed `CVDVAECheckpointConfig` (the paper's spelling); this name goes in the next minor release. */
export type CvdvaeCheckpointConfig = CVDVAECheckpointConfig;
/** @deprecated Renamed `CVDVAEConfig` (the paper's spelling); this name goes in the next minor release. */
export type CvdvaeConfig = CVDVAEConfig;
/** @deprecated Renamed `CVDVAELossTerms` (the paper's spelling); this name goes in the next minor release. */
export type CvdvaeLossTerms = CVDVAELossTerms;
/** @deprecated Renamed `loadCVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const loadCvdvae = loadCVDVAE;
/** @deprecated Renamed `loadVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const loadVdvae = loadVDVAE;
/** @deprecated Renamed `resolveVDVAEConfig` (the paper's spelling); this name goes in the next minor release. */
export const resolveVdvaeConfig = resolveVDVAEConfig;
/** @deprecated Renamed `saveCVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const saveCvdvae = saveCVDVAE;
/** @deprecated Renamed `saveVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const saveVdvae = saveVDVAE;
/** @deprecated Renamed `VDVAE` (the paper's spelling); this name goes in the next minor release. */
export const Vdvae = VDVAE;
/** @deprecated Renamed `VDVAE` (the paper's spelling); this name goes in the next minor release. */
export type Vdvae = VDVAE;
/** @deprecated Renamed `VDVAECheckpointConfig` (the paper's spelling); this name goes in the next minor release. */
export type VdvaeCheckpointConfig = VDVAECheckpointConfig;
/** @deprecated Renamed `VDVAEConfig` (the paper's spelling); this name goes in the next minor release. */
export type VdvaeConfig = VDVAEConfig;

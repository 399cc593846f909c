// Names from before scalespace spelled model names as their papers do (PixelCNN, BFCNN, VDVAE, CVDVAE, like
// SinGAN and PetsGAN): kept for one release so code written against them keeps working.

import { type TrainCVDVAEOptions, trainCVDVAE } from './train-cvdvae.js';
import { type TrainVDVAEOptions, trainVDVAE } from './train-vdvae.js';

/** @deprecated Renamed `trainCVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const trainCvdvae = trainCVDVAE;
/** @deprecated Renamed `TrainCVDVAEOptions` (the paper's spelling); this name goes in the next minor release. */
export type TrainCvdvaeOptions = TrainCVDVAEOptions;
/** @deprecated Renamed `trainVDVAE` (the paper's spelling); this name goes in the next minor release. */
export const trainVdvae = trainVDVAE;
/** @deprecated Renamed `TrainVDVAEOptions` (the paper's spelling); this name goes in the next minor release. */
export type TrainVdvaeOptions = TrainVDVAEOptions;

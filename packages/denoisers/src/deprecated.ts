// Names from before scalespace spelled model names as their papers do (PixelCNN, BFCNN, VDVAE, CVDVAE, like
// SinGAN and PetsGAN): kept for one release so code written against them keeps working.

import { BFCNN, type BFCNNConfig } from './bf-cnn.js';

/** @deprecated Renamed `BFCNN` (the paper's spelling); this name goes in the next minor release. */
export const BfCnn = BFCNN;
/** @deprecated Renamed `BFCNN` (the paper's spelling); this name goes in the next minor release. */
export type BfCnn = BFCNN;
/** @deprecated Renamed `BFCNNConfig` (the paper's spelling); this name goes in the next minor release. */
export type BfCnnConfig = BFCNNConfig;

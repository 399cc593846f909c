// Names from before scalespace spelled model names as their papers do (PixelCNN, BFCNN, VDVAE, CVDVAE, like
// SinGAN and PetsGAN): kept for one release so code written against them keeps working.

import { type ConvertPixelCNNOptions, convertPixelCNN, pixelCNNFromTorch } from './convert-official.js';
import type { PixelCNNImageConfig } from './model-io.js';
import { PixelCNN, type PixelCNNConfig, validatePixelCNNConfig } from './pixelcnn.js';
import { PixelCNNDownPass, type PixelCNNUnetConfig } from './pixelcnn-unet.js';

/** @deprecated Renamed `convertPixelCNN` (the paper's spelling); this name goes in the next minor release. */
export const convertPixelCnn = convertPixelCNN;
/** @deprecated Renamed `ConvertPixelCNNOptions` (the paper's spelling); this name goes in the next minor release. */
export type ConvertPixelCnnOptions = ConvertPixelCNNOptions;
/** @deprecated Renamed `PixelCNN` (the paper's spelling); this name goes in the next minor release. */
export const PixelCnn = PixelCNN;
/** @deprecated Renamed `PixelCNN` (the paper's spelling); this name goes in the next minor release. */
export type PixelCnn = PixelCNN;
/** @deprecated Renamed `PixelCNNConfig` (the paper's spelling); this name goes in the next minor release. */
export type PixelCnnConfig = PixelCNNConfig;
/** @deprecated Renamed `PixelCNNDownPass` (the paper's spelling); this name goes in the next minor release. */
export const PixelCnnDownPass = PixelCNNDownPass;
/** @deprecated Renamed `PixelCNNDownPass` (the paper's spelling); this name goes in the next minor release. */
export type PixelCnnDownPass = PixelCNNDownPass;
/** @deprecated Renamed `pixelCNNFromTorch` (the paper's spelling); this name goes in the next minor release. */
export const pixelCnnFromTorch = pixelCNNFromTorch;
/** @deprecated Renamed `PixelCNNImageConfig` (the paper's spelling); this name goes in the next minor release. */
export type PixelCnnImageConfig = PixelCNNImageConfig;
/** @deprecated Renamed `PixelCNNUnetConfig` (the paper's spelling); this name goes in the next minor release. */
export type PixelCnnUnetConfig = PixelCNNUnetConfig;
/** @deprecated Renamed `validatePixelCNNConfig` (the paper's spelling); this name goes in the next minor release. */
export const validatePixelCnnConfig = validatePixelCNNConfig;

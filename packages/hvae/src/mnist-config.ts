import type { VDVAEConfig } from './vdvae-config.js';

/**
 * The architecture of the shipped MNIST prior (models/vdvae-mnist): 32x32 grey 8-bit, width 16 at 32x32
 * and 32 below, 12 latent groups of 8 channels at resolutions 1, 4, 8, 16, 32, and the sigmoid GELU
 * (fast on wasm). Small enough to train in about 40 minutes on one wasm thread.
 */
export const MNIST_VDVAE_CONFIG: VDVAEConfig = {
  imageSize: 32,
  imageChannels: 1,
  width: 16,
  customWidths: '16:32,8:32,4:32,1:32',
  bottleneckMultiple: 0.5,
  zdim: 8,
  noBiasAbove: 64,
  numMixtures: 5,
  bits: 8,
  inputMean: 0.5,
  inputStd: 0.5,
  activation: 'gelu-sigmoid',
  encBlocks: '32d2,16x2,16d2,8x2,8d2,4x2,4d4,1x1',
  decBlocks: '1x1,4m1,4x2,8m4,8x3,16m8,16x2,32m16',
};

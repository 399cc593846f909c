import { InvalidArgumentError, InvalidImageError, type tf } from '@scalespace/core';
import { PETSGAN_FORMAT, type PetsGANConfig } from './petsgan.js';
import type { Size } from './pyramid-sizes.js';
import type { SingleImageRunOptions } from './train-state.js';
import { intIn, numberIn } from './validate.js';

/** The PetsGAN approach's schedule and architecture. Defaults are sized for a 128 px image on 2 CPU cores. */
export interface PetsGANTrainOptions {
  /** Longest side of the training image (default 128; PetsGAN: 256). */
  maxSize?: number;
  /** Downscaling to the GAN's resolution, a power of two (default 8, as PetsGAN). */
  factor?: number;
  /** Warm-up iterations of the low-res GAN (default 1200; PetsGAN: 2000 to 5000). */
  ganIterations?: number;
  /** Low-res batch (default 8, as PetsGAN). */
  ganBatch?: number;
  /** Critic steps per generator step in the low-res GAN (default 3, as SinGAN; PetsGAN: 1). */
  criticSteps?: number;
  /**
   * The low-res critic: 'patch' (default) is SinGAN's fully-convolutional patch critic with
   * `lowResCriticLayers` valid 3 x 3 convs (receptive field 2 x layers + 1 px), so G learns the
   * image's patches and recombines them; 'image' is PetsGAN's critic of whole images, which learns
   * the augmented images themselves (with no external samples: near-copies; see the README).
   */
  lowResCritic?: 'image' | 'patch';
  /** Conv layers of the 'patch' low-res critic (default 2: receptive field 5 px of the 16 x 10 image). */
  lowResCriticLayers?: number;
  /** Warm-up iterations of the restoration network (default 2000; PetsGAN: 5000). */
  restorationIterations?: number;
  /** Joint iterations with the high-res patch critic (default 400; PetsGAN: 5000). */
  jointIterations?: number;
  /** Low-res generator width (default 32; PetsGAN: 64, doubled inside). */
  generatorChannels?: number;
  /**
   * G reads a positional encoding beside its noise (default false; PetsGAN: true). With the patch
   * critic an encoding lets G pin the image's layout to positions, and its samples become copies.
   */
  positionalEncoding?: boolean;
  /** Low-res critic width (default 16; PetsGAN: 32). */
  criticChannels?: number;
  /** Restoration network width (default 32; PetsGAN: 64). */
  restorationChannels?: number;
  /** Kernel of the restoration's refine/upsample convs (default 3; PetsGAN: 5). */
  restorationKernel?: number;
  /** Kernel of the restoration's last block (default 3; PetsGAN: 7). */
  restorationFinalKernel?: number;
  /** High-res patch critic width (default 32; PetsGAN: 64) and branches (default 2; PetsGAN: 3). */
  patchCriticChannels?: number;
  patchCriticBranches?: number;
  /**
   * Side of the random crops the patch critic judges in the joint phase (default 64; 0 = whole
   * images). It is a patch critic, so crops show it the same patches for a quarter of the work.
   */
  jointCrop?: number;
  /** Thin-plate-spline / flip augmentations of the image in the low-res data set (default 100; PetsGAN: 200). */
  augmentations?: number;
  /** Copies of the image and of its mirror in the data set (default 25 each, as PetsGAN). */
  copies?: number;
  /** Largest control-point displacement of the warps, as a fraction of the side (default 0.05). */
  warpScale?: number;
  /**
   * Learning rates: G and its critic (default 5e-4, as SinGAN; PetsGAN: 1e-4 over 2.5-6x more
   * iterations), restoration (5e-4, as PetsGAN), joint phase (1e-4, as PetsGAN).
   */
  ganLr?: number;
  restorationLr?: number;
  jointLr?: number;
  /**
   * Apply the low-res critic's gradient penalty on every n-th step only, weighted n times (default 1:
   * every step). Its double backprop is about half the critic step's time; this "lazy" form (as
   * StyleGAN2 does for R1) keeps the penalty's average pull for a fraction of the work.
   */
  penaltyEvery?: number;
  /**
   * Weights: gradient penalty (0.1, as SinGAN's patch critic; PetsGAN's image critic: 10), G's
   * reconstruction of the low-res image (10, as SinGAN; PetsGAN: 50), the authors' diversity term
   * (0; PetsGAN: 1), joint reconstruction L1 (100, as PetsGAN).
   */
  penaltyWeight?: number;
  reconstructionWeight?: number;
  diversityWeight?: number;
  jointReconstructionWeight?: number;
  /** Noise added to the restoration's training inputs (std 0.3, with probability 0.5, as the authors' code). */
  restorationNoise?: number;
  /** Exponential average of G's weights used for sampling (default 0.99). */
  emaDecay?: number;
  /**
   * The internal prior: patch matching before restoration (default on, 3 x 3 patches, one round;
   * PetsGAN: 7 x 7 at a 32 px low resolution, about the same fraction of our 16 px one).
   */
  patchMatch?: boolean;
  patchSize?: number;
  patchIterations?: number;
}

export interface TrainPetsGANOptions extends PetsGANTrainOptions, SingleImageRunOptions {
  /** Optional external samples (images near the training image, e.g. from a pretrained generator) added to the low-res data set. */
  external?: Array<tf.Tensor3D | string>;
  /**
   * Train the restoration warm-up in a worker thread beside the low-res GAN (default true; Node
   * only). The two phases are independent, so this gives the same model bit for bit in about the
   * time of the longer one, on a second core. False, or where worker threads are unavailable: one
   * after the other.
   */
  parallel?: boolean;
}

export const PETSGAN_DEFAULTS: Required<PetsGANTrainOptions> = {
  maxSize: 128,
  factor: 8,
  ganIterations: 1200,
  ganBatch: 8,
  criticSteps: 3,
  lowResCritic: 'patch',
  lowResCriticLayers: 2,
  restorationIterations: 2000,
  jointIterations: 400,
  generatorChannels: 32,
  positionalEncoding: false,
  criticChannels: 16,
  restorationChannels: 32,
  restorationKernel: 3,
  restorationFinalKernel: 3,
  patchCriticChannels: 32,
  patchCriticBranches: 2,
  jointCrop: 64,
  augmentations: 100,
  copies: 25,
  warpScale: 0.05,
  ganLr: 5e-4,
  restorationLr: 5e-4,
  jointLr: 1e-4,
  penaltyEvery: 1,
  penaltyWeight: 0.1,
  reconstructionWeight: 10,
  diversityWeight: 0,
  jointReconstructionWeight: 100,
  restorationNoise: 0.3,
  emaDecay: 0.99,
  patchMatch: true,
  patchSize: 3,
  patchIterations: 1,
};

/** Validates and completes PetsGAN training options. */
export function resolvePetsGANOptions(options: PetsGANTrainOptions): Required<PetsGANTrainOptions> {
  const o = {
    ...PETSGAN_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<PetsGANTrainOptions>;
  intIn(o.maxSize, 128, 16, 1024, 'maxSize');
  if (![2, 4, 8, 16].includes(o.factor))
    throw new InvalidArgumentError(`factor must be 2, 4, 8 or 16, got ${o.factor}`);
  intIn(o.ganIterations, 0, 0, 1_000_000, 'ganIterations');
  intIn(o.ganBatch, 8, 2, 256, 'ganBatch');
  intIn(o.criticSteps, 1, 1, 16, 'criticSteps');
  for (const k of ['positionalEncoding', 'patchMatch'] as const)
    if (typeof o[k] !== 'boolean')
      throw new InvalidArgumentError(`${k} must be true or false, got ${JSON.stringify(o[k])}`);
  if (o.lowResCritic !== 'image' && o.lowResCritic !== 'patch')
    throw new InvalidArgumentError(`lowResCritic must be 'image' or 'patch', got ${JSON.stringify(o.lowResCritic)}`);
  intIn(o.lowResCriticLayers, 3, 2, 8, 'lowResCriticLayers');
  intIn(o.restorationIterations, 0, 0, 1_000_000, 'restorationIterations');
  intIn(o.jointIterations, 0, 0, 1_000_000, 'jointIterations');
  for (const k of ['generatorChannels', 'criticChannels', 'restorationChannels', 'patchCriticChannels'] as const)
    intIn(o[k], 32, 2, 512, k);
  intIn(o.patchCriticBranches, 2, 1, 4, 'patchCriticBranches');
  intIn(o.jointCrop, 64, 0, 4096, 'jointCrop');
  for (const k of ['restorationKernel', 'restorationFinalKernel', 'patchSize'] as const) {
    intIn(o[k], 3, 1, 15, k);
    if (o[k] % 2 === 0) throw new InvalidArgumentError(`${k} must be odd, got ${o[k]}`);
  }
  intIn(o.augmentations, 100, 0, 10_000, 'augmentations');
  intIn(o.copies, 25, 1, 10_000, 'copies');
  numberIn(o.warpScale, 0.05, 0, 0.45, 'warpScale');
  for (const k of ['ganLr', 'restorationLr', 'jointLr'] as const) numberIn(o[k], 1e-4, 1e-8, 1, k);
  intIn(o.penaltyEvery, 1, 1, 64, 'penaltyEvery');
  for (const k of ['penaltyWeight', 'reconstructionWeight', 'diversityWeight', 'jointReconstructionWeight'] as const)
    numberIn(o[k], 1, 0, 1e5, k);
  numberIn(o.restorationNoise, 0.3, 0, 5, 'restorationNoise');
  numberIn(o.emaDecay, 0.99, 0, 0.99999, 'emaDecay');
  intIn(o.patchIterations, 2, 0, 50, 'patchIterations');
  return o;
}

/** The training image's size at the model's resolution: longest side <= maxSize, both sides multiples of factor. */
export function petsganSizes(imageSize: Size, maxSize: number, factor: number): { hr: Size; lr: Size } {
  const shrink = Math.min(1, maxSize / Math.max(...imageSize));
  const lr: Size = [Math.floor((imageSize[0] * shrink) / factor), Math.floor((imageSize[1] * shrink) / factor)];
  if (Math.min(...lr) < 8) {
    throw new InvalidImageError(
      `the image is ${imageSize[1]} x ${imageSize[0]}; at maxSize ${maxSize} its low-resolution scale (1/${factor}) would be ` +
        `${lr[1]} x ${lr[0]}, smaller than the coarsest scale the GAN needs (8 x 8): use an image of at least ${8 * factor} px ` +
        'per side, a larger maxSize or a smaller factor',
    );
  }
  return { hr: [lr[0] * factor, lr[1] * factor], lr };
}

/** The config of a fresh run on an image of `imageSize`: sizes, architecture, no step done yet. */
export function newPetsGANConfig(o: Required<PetsGANTrainOptions>, imageSize: Size): PetsGANConfig {
  const { hr, lr } = petsganSizes(imageSize, o.maxSize, o.factor);
  return {
    format: PETSGAN_FORMAT,
    method: 'petsgan',
    hrSize: hr,
    lrSize: lr,
    factor: o.factor,
    generatorChannels: o.generatorChannels,
    generatorPositional: o.positionalEncoding,
    restorationChannels: o.restorationChannels,
    restorationKernel: o.restorationKernel,
    restorationFinalKernel: o.restorationFinalKernel,
    patchMatch: { enabled: o.patchMatch, patchSize: o.patchSize, iterations: o.patchIterations },
    steps: { gan: 0, restoration: 0, joint: 0 },
    trainingSeconds: 0,
    training: { ...o },
  };
}

/** The options a saved run was trained with. Runs saved before the critic options existed trained PetsGAN's own low-res GAN. */
export function savedPetsGANOptions(config: PetsGANConfig): Required<PetsGANTrainOptions> {
  const legacy: PetsGANTrainOptions = { lowResCritic: 'image', positionalEncoding: true };
  return resolvePetsGANOptions({ ...legacy, ...(config.training as PetsGANTrainOptions) });
}

/** Refuses a patch critic whose receptive field is larger than the low-res image. */
export function assertLowResCriticFits(o: Required<PetsGANTrainOptions>, lowResSize: Size): void {
  if (o.lowResCritic !== 'patch') return;
  const rf = 2 * o.lowResCriticLayers + 1;
  if (Math.min(...lowResSize) < rf)
    throw new InvalidArgumentError(
      `the low-res image is ${lowResSize[1]} x ${lowResSize[0]}, smaller than the patch critic's ${rf} px receptive field: ` +
        'use fewer lowResCriticLayers, a smaller factor or a larger maxSize',
    );
}

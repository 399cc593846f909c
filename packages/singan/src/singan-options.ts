import { pyramidSizes, type Size } from './pyramid-sizes.js';
import { SINGAN_FORMAT, type SinGANConfig } from './singan.js';
import type { SingleImageRunOptions } from './train-state.js';
import { intIn, numberIn } from './validate.js';

/** SinGAN's training schedule and architecture. Defaults are sized for a 128 px image on 2 CPU cores. */
export interface SinGANTrainOptions {
  /** Longest side of the finest scale (default 128; SinGAN: 250). */
  maxSize?: number;
  /** Shortest side of the coarsest scale (default 25, as SinGAN). */
  minSize?: number;
  /** Ratio between scales (default 0.75, as SinGAN). */
  scaleFactor?: number;
  /** Iterations per scale (default 150; SinGAN: 2000). */
  iterations?: number;
  /** Critic steps per iteration (default 3, as SinGAN). */
  dSteps?: number;
  /** Generator steps per iteration (default 3, as SinGAN). */
  gSteps?: number;
  /** Adam learning rate of both networks (default 5e-4), beta1 0.5. */
  lr?: number;
  /** Fraction of a scale's iterations after which the learning rate drops 10x (default 0.8). */
  lrDecayAt?: number;
  /** Weight of the reconstruction loss (default 10). */
  reconstructionWeight?: number;
  /** Weight of the gradient penalty (default 0.1). */
  penaltyWeight?: number;
  /** Noise amplitude = this x RMSE of the upsampled reconstruction (default 0.1). */
  noiseAmplitude?: number;
  /** Channels at the coarsest scales (default 32). */
  channels?: number;
  /** Channels double every `channelsDoubleEvery` scales up to this (default 32 for speed; SinGAN: 128). */
  maxChannels?: number;
  channelsDoubleEvery?: number;
  /** Conv layers per network (default 5). */
  layers?: number;
}

/** `checkpointEvery`: every this many iterations within a scale, and after each scale. */
export interface TrainSinGANOptions extends SinGANTrainOptions, SingleImageRunOptions {}

export const SINGAN_DEFAULTS: Required<SinGANTrainOptions> = {
  maxSize: 128,
  minSize: 25,
  scaleFactor: 0.75,
  iterations: 150,
  dSteps: 3,
  gSteps: 3,
  lr: 5e-4,
  lrDecayAt: 0.8,
  reconstructionWeight: 10,
  penaltyWeight: 0.1,
  noiseAmplitude: 0.1,
  channels: 32,
  maxChannels: 32,
  channelsDoubleEvery: 4,
  layers: 5,
};

/** Validates and completes training options. */
export function resolveSinGANOptions(options: SinGANTrainOptions): Required<SinGANTrainOptions> {
  const o = { ...SINGAN_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  intIn(o.maxSize, 128, 8, 1024, 'maxSize');
  intIn(o.minSize, 25, 8, 1024, 'minSize');
  numberIn(o.scaleFactor, 0.75, 0.31, 0.94, 'scaleFactor');
  intIn(o.iterations, 150, 1, 100_000, 'iterations');
  intIn(o.dSteps, 3, 1, 20, 'dSteps');
  intIn(o.gSteps, 3, 1, 20, 'gSteps');
  numberIn(o.lr, 5e-4, 1e-7, 1, 'lr');
  numberIn(o.lrDecayAt, 0.8, 0, 1, 'lrDecayAt');
  numberIn(o.reconstructionWeight, 10, 0, 1e4, 'reconstructionWeight');
  numberIn(o.penaltyWeight, 0.1, 0, 1e4, 'penaltyWeight');
  numberIn(o.noiseAmplitude, 0.1, 0, 10, 'noiseAmplitude');
  intIn(o.channels, 32, 1, 512, 'channels');
  intIn(o.maxChannels, 32, o.channels, 512, 'maxChannels');
  intIn(o.channelsDoubleEvery, 4, 1, 100, 'channelsDoubleEvery');
  intIn(o.layers, 5, 3, 12, 'layers');
  return o as Required<SinGANTrainOptions>;
}

/** Feature channels at scale s: `channels`, doubled every `channelsDoubleEvery` scales up to `maxChannels`. */
export function channelsAt(o: Required<SinGANTrainOptions>, s: number): number {
  return Math.min(o.channels * 2 ** Math.floor(s / o.channelsDoubleEvery), o.maxChannels);
}

/** The config of a fresh run on an image of `imageSize`: the pyramid, the widths, nothing trained yet. */
export function newSinGANConfig(o: Required<SinGANTrainOptions>, imageSize: Size): SinGANConfig {
  const { sizes, scaleFactor } = pyramidSizes({
    imageSize,
    maxSize: o.maxSize,
    minSize: o.minSize,
    scaleFactor: o.scaleFactor,
  });
  return {
    format: SINGAN_FORMAT,
    method: 'singan',
    sizes,
    scaleFactor,
    amplitudes: sizes.map(() => 0),
    channels: sizes.map((_, s) => channelsAt(o, s)),
    layers: o.layers,
    kernelSize: 3,
    trainedScales: 0,
    stepInScale: 0,
    trainingSeconds: 0,
    training: { ...o },
  };
}

/**
 * The original SinGAN's recipe for a model that super-resolves its own training image by `factor`
 * (its SR.py): scales spaced by factor^(1/k) with k = round(3 log2 factor) (about 2^(1/3) apart), a
 * reconstruction weight of 100 and a coarsest side of 18. Train on the low-resolution image with
 * these options, then `superResolve({ factor })` steps up k times through the finest generator.
 */
export function superResolutionOptions(
  factor: number,
): Pick<Required<SinGANTrainOptions>, 'scaleFactor' | 'reconstructionWeight' | 'minSize'> {
  numberIn(factor, 4, 1.2, 16, 'superResolutionOptions: factor');
  const steps = Math.max(1, Math.round(3 * Math.log2(factor)));
  return { scaleFactor: factor ** (-1 / steps), reconstructionWeight: 100, minSize: 18 };
}

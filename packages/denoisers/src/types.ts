import type { LongWorkOptions, tf } from '@scalespace/core';

/** The shape of one bias-free CNN. */
export interface NetShape {
  /** Conv layers (the paper: 21). */
  depth: number;
  /** Hidden channels (the paper: 64). */
  width: number;
  /** Receptive field, odd: 1 + 2 * (3x3 layers) (the paper: 5, 9, 13, 23, 43). */
  rf: number;
  /** Kernel size of each layer when the layout is not the even spread of 3x3 layers (see `BFCNNConfig`). */
  kernelSizes?: number[];
  /** No ReLU after the first conv (the official networks). */
  linearFirstLayer?: boolean;
}

/** A bias-free CNN denoiser in the pixel domain. */
export interface FlatDenoiserConfig {
  kind: 'flat';
  /** 1 grey, 3 RGB. */
  channels: 1 | 3;
  net: NetShape;
}

/**
 * The multi-scale conditional model: a denoiser of the coarsest Haar low-pass band and, for each scale
 * j = 0 (finest) .. levels - 1, a conditional denoiser of the 3 detail bands given the low-pass band.
 */
export interface MultiscaleDenoiserConfig {
  kind: 'multiscale';
  channels: 1 | 3;
  /** Haar levels J: images must be divisible by 2^J (others are padded by mirroring). */
  levels: number;
  /** The low-pass denoiser (the paper: all 3x3, RF 43). */
  lowpass: NetShape;
  /** The conditional denoisers, one per scale (the paper: RF 5 to 43; 13 is the headline). */
  conditional: NetShape;
  /**
   * What each conditional network outputs. 'details' (the default): the clean detail bands, so the
   * residual is the noisy details minus the output; 'noise': the noise itself (the residual form of
   * the flat denoisers, and of checkpoints saved before this option). Both give the same denoiser at
   * the optimum; detail bands are small next to the noise, so 'details' starts near the answer (zero)
   * where 'noise' has to learn an identity map through 21 bias-free layers first.
   */
  conditionalOutput?: 'details' | 'noise';
}

export type DenoiserConfig = FlatDenoiserConfig | MultiscaleDenoiserConfig;

/** Algorithm 1's settings (see `ascentSample`). */
export interface SamplerSettings {
  h0?: number;
  fixedStep?: boolean;
  beta?: number;
  sigma0?: number;
  /** Relative: stop when sigma_t <= sigmaL std(y_t). */
  sigmaL?: number;
  maxSteps?: number;
  stallWindow?: number;
}

export type DenoiseOptions = LongWorkOptions;

export interface DenoiseResult {
  /** The denoised image, same shape as the input. */
  image: tf.Tensor;
  /** Network evaluations (1 for a flat model, levels + 1 for a multi-scale one). */
  evaluations: number;
  seconds: number;
  /** Per image, the rms of the removed noise, ||y - D(y)|| / sqrt(N): the noise level the model saw. */
  sigmaEstimate: number[];
}

export interface SampleOptions extends LongWorkOptions, SamplerSettings {
  /** Output size: a side or [height, width]. A multi-scale model needs multiples of 2^levels. */
  size: number | [number, number];
  /**
   * A multi-scale model's settings for its coarsest low-pass band, over the others (the official code samples
   * it with its own: e.g. { fixedStep: true, beta: 0.01, sigmaL: 0.1 }).
   */
  lowpass?: SamplerSettings;
  /** Images to draw (default 1). */
  n?: number;
  seed?: number | string;
}

export interface SampleResult {
  /** [N, H, W, C] in about [0, 1] (not clipped). */
  images: tf.Tensor4D;
  /** Network evaluations per sample batch, all phases together. */
  evaluations: number;
  /** Iterations of Algorithm 1 per phase (one phase for a flat model, coarsest first for a multi-scale one). */
  steps: number[];
  seconds: number;
  /** Whether every phase reached sigmaL before maxSteps. */
  converged: boolean;
  /** Samples (summed over phases) stopped by the stall rule, stuck above sigmaL. */
  stalled: number;
}

export interface SuperResolveOptions extends LongWorkOptions, SamplerSettings {
  /** Upsampling factor, a power of 2 (default 4). A multi-scale model can go up to 2^levels. */
  factor?: number;
  seed?: number | string;
}

/** What both kinds of model offer. */
export interface Denoiser {
  readonly config: DenoiserConfig;
  /** The residual f(y) = y - D(y) of a batch [N, H, W, C] (blind: no noise level needed). */
  residual(y: tf.Tensor4D): tf.Tensor4D;
  /** One blind denoising pass. */
  denoise(image: tf.Tensor, options?: DenoiseOptions): Promise<DenoiseResult>;
  /** Synthesis from noise. */
  sample(options: SampleOptions): Promise<SampleResult>;
  /**
   * A high-resolution image whose `factor` x `factor` block averages are exactly `lowpass` ([h, w, C] or
   * [N, h, w, C] in [0, 1]).
   */
  superResolve(lowpass: tf.Tensor, options?: SuperResolveOptions): Promise<SampleResult>;
  numParameters(): number;
  dispose(): void;
}

import type { tf } from '@scalespace/core';
import type { Size } from './pyramid-sizes.js';

/** Options of `sample`. */
export interface SampleOptions {
  /** Number of samples (default 1). */
  n?: number;
  /** Seed of the noise (default 0); the same seed gives the same samples. */
  seed?: number;
  /** Output [height, width], `WIDTHxHEIGHT` or { height, width }; default the training size. Any aspect ratio. */
  size?: Size | string | { height: number; width: number };
  /**
   * SinGAN: the first scale that draws random noise (the original's `gen_start_scale`); the scales below
   * it reproduce the training image from its fixed noise, so the samples keep its coarse layout and vary
   * above. 0 (default) draws at every scale. PetsGAN has one generator scale: 0 only.
   */
  startScale?: number;
}

/** Options of `inject` (harmonisation, paint-to-image, editing). */
export interface InjectOptions {
  /** The image to inject, [H, W, 3] in [0, 1] (a painting, a collage, an edited photo). */
  image: tf.Tensor3D;
  /**
   * The scale at which the image enters (`injectScales()` gives the range and the default); lower
   * scales change more. SinGAN: the image enters at this scale as it looks one scale coarser (1 = just
   * above the coarsest, up to scales - 1). PetsGAN (one generator scale, at image / factor): at s of
   * 1 .. log2(factor) the image enters at the low resolution as it looks 2^(log2(factor) - s) times
   * smaller, and patch matching and restoration redraw what it lacks (the top, the default: as it is).
   */
  scale?: number;
  /**
   * Where to keep the generator's output ([H, W, 1] in [0, 1], the image's size); elsewhere the
   * injected image stays (harmonisation, editing). `dilateMask` softens a hard mask as SinGAN does.
   */
  mask?: tf.Tensor3D;
  n?: number;
  seed?: number;
  /** Output size; default the training size. */
  size?: SampleOptions['size'];
}

/** Options of `animate`. */
export interface AnimateOptions {
  /** Frames (default 24). */
  frames?: number;
  seed?: number;
  /** Pull towards the reconstruction noise each frame (SinGAN: 0.1); larger stays closer to the image. */
  alpha?: number;
  /** Momentum of the walk (SinGAN: 0.9); larger moves more smoothly. */
  beta?: number;
  size?: SampleOptions['size'];
  /** SinGAN: the first scale that moves (the original's animation start scale); the ones below keep the image's fixed noise. Default 0; PetsGAN: 0 only. */
  startScale?: number;
}

/** Options of `superResolve`. */
export interface SuperResolveOptions {
  /** Upscaling factor (default 2). */
  factor?: number;
  /** The image to upscale, [H, W, 3] in [0, 1]; default the training image. */
  image?: tf.Tensor3D;
  seed?: number;
}

/** What SinGAN and the PetsGAN approach both offer once trained (or loaded). */
export interface SingleImageModel {
  readonly method: 'singan' | 'petsgan';
  /** The training image's [height, width] at the model's resolution. */
  readonly imageSize: Size;
  /** Random samples [n, H, W, 3] in [0, 1]. */
  sample(options?: SampleOptions): tf.Tensor4D;
  /** The training image as the model reproduces it from its fixed reconstruction noise, [1, H, W, 3]. */
  reconstruct(): tf.Tensor4D;
  /** The training image at the model's resolution, [1, H, W, 3] in [0, 1]. */
  trainingImage(): tf.Tensor4D;
  /** Injects an image and lets the model re-synthesise it in the style of the training image. */
  inject(options: InjectOptions): tf.Tensor4D;
  /** The scales `inject` accepts, and the one it uses by default. */
  injectScales(): { min: number; max: number; default: number };
  /** Generator scales (SinGAN: the pyramid's; PetsGAN: 1): `startScale` is below this. */
  readonly scales: number;
  /** Frames [frames, H, W, 3] of a random walk in the noise around the reconstruction. */
  animate(options?: AnimateOptions): tf.Tensor4D;
  /** Upscales an image (default the training image) with the model's finest-scale knowledge. */
  superResolve(options?: SuperResolveOptions): tf.Tensor4D;
  /** Writes the model (weights + config) to a directory. */
  save(dir: string): Promise<void>;
  dispose(): void;
}

import { type CheckpointSource, InvalidArgumentError, Module, rng, tf } from '@scalespace/core';
import type { BlockNorm } from './conv-block.js';
import { assertMaskFits, blendMasked } from './mask.js';
import { loadModelDir } from './model-io.js';
import { officialUpsample } from './official-resize.js';
import { resizeTo, toSigned, toUnit } from './ops.js';
import { parseSize, type Size, scaleSizes } from './pyramid-sizes.js';
import { SinGANGenerator } from './singan-networks.js';
import type {
  AnimateOptions,
  InjectOptions,
  SampleOptions,
  SingleImageModel,
  SuperResolveOptions,
} from './single-image-model.js';
import { SingleImageModelBase } from './single-image-model-base.js';
import { intIn, numberIn, rgbImage, seedOf } from './validate.js';

export const SINGAN_FORMAT = 'scalespace-singan/1';

/** Everything besides the weights that a trained SinGAN needs; saved as the checkpoint's config. */
export interface SinGANConfig {
  format: typeof SINGAN_FORMAT;
  method: 'singan';
  /** Scale sizes [height, width], coarse to fine. */
  sizes: Size[];
  /** The ratio between neighbouring scales. */
  scaleFactor: number;
  /** Noise amplitude of each scale (1 at the coarsest; 0.1 x RMSE of the upsampled reconstruction above). */
  amplitudes: number[];
  /** Feature channels of each scale's networks. */
  channels: number[];
  layers: number;
  kernelSize: number;
  /** Scales trained so far (sizes.length when finished). */
  trainedScales: number;
  /** Training iterations done in the scale being trained (0 between scales). */
  stepInScale: number;
  /** Seconds spent training (summed over resumed runs). */
  trainingSeconds: number;
  /** The options the model was trained with (or, for a converted model, where it came from). */
  training: Record<string, unknown>;
  /**
   * Normalisation in the generators: 'instance' (default, scalespace's training) or 'batch', fixed running
   * statistics, as the official SinGAN's trained generators run (converted models).
   */
  norm?: BlockNorm;
  /** Output channels of each conv block, per scale (layers - 1 each); default `channels[s]` throughout. */
  widths?: number[][];
  /**
   * How a scale's output is brought to the next size: 'bicubic' (default) resizes to the size, 'official' is
   * the official code's 8-bit, resize-by-1/scaleFactor-and-crop step (`officialUpsample`).
   */
  upsampling?: 'bicubic' | 'official';
}

/** The weights of a SinGAN: one generator per scale, the fixed reconstruction noise and the training image. */
export class SinGANNet extends Module {
  readonly generators: SinGANGenerator[];
  /** The fixed reconstruction noise of the coarsest scale, [1, h0, w0, 1]. */
  readonly zRec: tf.Variable;
  /** The training image at the finest scale, [1, H, W, 3] in [0, 1]. */
  readonly image: tf.Variable;

  constructor(
    config: Pick<SinGANConfig, 'sizes' | 'channels' | 'layers' | 'kernelSize' | 'norm' | 'widths'>,
    seed = 0,
  ) {
    super();
    const r = rng(seed).fork('singan-init');
    this.generators = this.childList(
      'generators',
      config.sizes.map(
        (_, s) =>
          new SinGANGenerator({
            channels: config.channels[s],
            layers: config.layers,
            kernelSize: config.kernelSize,
            ...(config.widths && { widths: config.widths[s] }),
            ...(config.norm && { norm: config.norm }),
            rng: r.fork(`g${s}`),
          }),
      ),
    );
    const [h0, w0] = config.sizes[0];
    const [h, w] = config.sizes[config.sizes.length - 1];
    this.zRec = this.buffer('z_rec', () => tf.zeros([1, h0, w0, 1]));
    this.image = this.buffer('image', () => tf.zeros([1, h, w, 3]));
  }
}

type NoiseAt = (scale: number, shape: [number, number, number, number]) => tf.Tensor4D;

/**
 * A trained SinGAN (Shaham et al., ICCV 2019): a pyramid of generators, each adding detail to the
 * upsampled output of the one below from its own noise. Sample at any size, reconstruct the
 * training image, inject images (harmonisation, paint-to-image), animate, super-resolve.
 */
export class SinGAN extends SingleImageModelBase<SinGANConfig, SinGANNet> implements SingleImageModel {
  readonly method = 'singan' as const;

  constructor(config: SinGANConfig, net?: SinGANNet) {
    super(config, net ?? new SinGANNet(config));
  }

  get imageSize(): Size {
    return this.config.sizes[this.config.sizes.length - 1];
  }

  get scales(): number {
    return this.config.sizes.length;
  }

  /** Loads a saved model: a directory or `.safetensors` file by path (Node), a URL, a Response or the bytes. */
  static async load(source: CheckpointSource): Promise<SinGAN> {
    return loadModelDir<SinGANConfig, SinGAN>(source, SINGAN_FORMAT, 'SinGAN', (config) => new SinGAN(config));
  }

  #assertTrained(upTo = this.scales): void {
    if (this.config.trainedScales < upTo) {
      throw new InvalidArgumentError(
        `this SinGAN is only trained up to scale ${this.config.trainedScales} of ${this.scales}; ` +
          'finish training (train again with resume) before sampling',
      );
    }
  }

  #sizesFor(size: SampleOptions['size']): Size[] {
    return size === undefined ? this.config.sizes : scaleSizes(this.config.sizes, parseSize(size));
  }

  /**
   * Runs the generators from `from` to `to` (exclusive) in [-1, 1] units. `prev` is the upsampled
   * input of scale `from` (zeros at the coarsest); noise(s, shape) gives each scale's noise.
   * Returns the output of scale to - 1.
   */
  generate(options: {
    sizes: Size[];
    n: number;
    noise: NoiseAt;
    from?: number;
    to?: number;
    prev?: tf.Tensor4D;
  }): tf.Tensor4D {
    const { sizes, n, noise, from = 0, to = sizes.length } = options;
    let prev = options.prev ?? (tf.zeros([n, ...sizes[from], 3]) as tf.Tensor4D);
    // One scope per scale: only the scale's output outlives it, so a large sample needs the memory of
    // one scale's network at a time, not of every scale's activations at once.
    for (let s = from; s < to; s++) {
      const input = prev;
      const out = tf.tidy(() => {
        const [h, w] = sizes[s];
        const up = input.shape[1] !== h || input.shape[2] !== w ? this.upsample(input, h, w) : input;
        const z = noise(s, [n, h, w, s === 0 ? 1 : 3]);
        return this.net.generators[s].forward(tf.add(tf.mul(z, this.config.amplitudes[s]), up) as tf.Tensor4D, up);
      });
      if (input !== options.prev) input.dispose();
      prev = out;
    }
    return prev;
  }

  /** A scale's output brought to the next scale's size, as the config says (`upsampling`). */
  upsample(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
    return this.config.upsampling === 'official'
      ? officialUpsample(x, height, width, this.config.scaleFactor)
      : resizeTo(x, height, width);
  }

  /** Seeded Gaussian noise for each scale, independent of the other scales. */
  static randomNoise(seed: number): NoiseAt {
    const base = rng(seed);
    return (s, shape) => base.fork(`scale${s}`).normalTensor(shape) as tf.Tensor4D;
  }

  /** The reconstruction noise: z_rec at the coarsest scale (broadcast over the batch), zeros elsewhere. */
  reconstructionNoise(): NoiseAt {
    return (s, shape) =>
      s === 0 ? (tf.tile(this.net.zRec, [shape[0], 1, 1, 1]) as tf.Tensor4D) : (tf.zeros(shape) as tf.Tensor4D);
  }

  sample(options: SampleOptions = {}): tf.Tensor4D {
    this.#assertTrained();
    const n = intIn(options.n, 1, 1, 256, 'sample: n');
    const seed = seedOf(options.seed);
    const start = intIn(options.startScale, 0, 0, this.scales - 1, 'sample: startScale');
    const sizes = this.#sizesFor(options.size);
    const random = SinGAN.randomNoise(seed);
    // Below the start scale, the fixed noise: the training image's own coarse layout (SinGAN's gen_start_scale).
    const fixed = this.#fixedNoise(sizes);
    const noise: NoiseAt = start === 0 ? random : (s, shape) => (s < start ? fixed(s, shape) : random(s, shape));
    return tf.tidy(() => toUnit(this.generate({ sizes, n, noise })) as tf.Tensor4D);
  }

  /** The reconstruction noise at `sizes` (z_rec resized to the coarsest size when that differs). */
  #fixedNoise(sizes: Size[]): NoiseAt {
    const [h0, w0] = sizes[0];
    return (s, shape) => {
      if (s > 0) return tf.zeros(shape) as tf.Tensor4D;
      return tf.tidy(() => tf.tile(resizeTo(this.net.zRec as tf.Tensor4D, h0, w0), [shape[0], 1, 1, 1]) as tf.Tensor4D);
    };
  }

  reconstruct(): tf.Tensor4D {
    this.#assertTrained();
    return tf.tidy(
      () => toUnit(this.generate({ sizes: this.config.sizes, n: 1, noise: this.reconstructionNoise() })) as tf.Tensor4D,
    );
  }

  trainingImage(): tf.Tensor4D {
    return tf.clone(this.net.image) as tf.Tensor4D;
  }

  injectScales(): { min: number; max: number; default: number } {
    const max = this.scales - 1;
    return { min: 1, max, default: Math.min(max, Math.max(1, Math.round(this.scales / 2))) };
  }

  inject(options: InjectOptions): tf.Tensor4D {
    this.#assertTrained();
    const range = this.injectScales();
    const scale = intIn(options.scale, range.default, range.min, range.max, 'inject: scale');
    const n = intIn(options.n, 1, 1, 256, 'inject: n');
    const seed = seedOf(options.seed);
    const sizes = this.#sizesFor(options.size);
    const image = rgbImage(options.image, 'inject: image');
    try {
      assertMaskFits(options.mask, image);
      return tf.tidy(() => {
        const signed = toSigned(tf.expandDims(image, 0)) as tf.Tensor4D;
        // SinGAN enters at `scale` with the image as it would look one scale coarser, brought up as scales are.
        const coarse = resizeTo(signed, ...sizes[scale - 1]);
        const prev = tf.tile(this.upsample(coarse, ...sizes[scale]), [n, 1, 1, 1]) as tf.Tensor4D;
        const out = toUnit(this.generate({ sizes, n, noise: SinGAN.randomNoise(seed), from: scale, prev }));
        return blendMasked(out as tf.Tensor4D, image, options.mask);
      });
    } finally {
      if (image !== options.image) image.dispose();
    }
  }

  animate(options: AnimateOptions = {}): tf.Tensor4D {
    this.#assertTrained();
    const frames = intIn(options.frames, 24, 1, 1000, 'animate: frames');
    const seed = seedOf(options.seed);
    const alpha = numberIn(options.alpha, 0.1, 0, 1, 'animate: alpha');
    const beta = numberIn(options.beta, 0.9, 0, 1, 'animate: beta');
    const start = intIn(options.startScale, 0, 0, this.scales - 1, 'animate: startScale');
    const sizes = this.#sizesFor(options.size);
    const base = rng(seed);
    return tf.tidy(() => {
      // Each scale walks around its reconstruction noise: a momentum term (beta) keeps the motion
      // smooth, the pull (alpha) keeps it near the training image.
      const centre = sizes.map(([h, w], s) =>
        s === 0 ? resizeTo(this.net.zRec as tf.Tensor4D, h, w) : (tf.zeros([1, h, w, 3]) as tf.Tensor4D),
      );
      let current: tf.Tensor[] = centre.map((c, s) =>
        tf.add(tf.mul(c, 0.95), tf.mul(base.fork(`init${s}`).normalTensor(c.shape), 0.05)),
      );
      let previous: tf.Tensor[] = centre;
      const out: tf.Tensor[] = [];
      for (let f = 0; f < frames; f++) {
        const next = current.map((z, s) => {
          // Below the start scale the noise stays the fixed one (SinGAN's animation start scale).
          if (s < start) return centre[s];
          const step = tf.add(
            tf.mul(tf.sub(z, previous[s]), beta),
            tf.mul(base.fork(`f${f}s${s}`).normalTensor(z.shape), 1 - beta),
          );
          return tf.add(tf.mul(centre[s], alpha), tf.mul(tf.add(z, step), 1 - alpha));
        });
        previous = current;
        current = next;
        const noise: NoiseAt = (s) => current[s] as tf.Tensor4D;
        const frame = this.generate({ sizes, n: 1, noise });
        out.push(toUnit(frame));
        frame.dispose();
      }
      return tf.concat(out, 0) as tf.Tensor4D;
    });
  }

  superResolve(options: SuperResolveOptions = {}): tf.Tensor4D {
    this.#assertTrained();
    const factor = numberIn(options.factor, 2, 1, 16, 'superResolve: factor');
    const seed = seedOf(options.seed);
    const image = options.image ? rgbImage(options.image, 'superResolve: image') : null;
    try {
      return tf.tidy(() => {
        let x = image ? (toSigned(tf.expandDims(image, 0)) as tf.Tensor4D) : (toSigned(this.net.image) as tf.Tensor4D);
        const [h0, w0] = [x.shape[1], x.shape[2]];
        const up = 1 / this.config.scaleFactor;
        const steps = Math.max(1, Math.round(Math.log(factor) / Math.log(up)));
        const finest = this.scales - 1;
        const g = this.net.generators[finest];
        const amp = this.config.amplitudes[finest];
        const noiseRng = rng(seed);
        // SinGAN's super-resolution: upsample by 1 / scaleFactor and let the finest generator add the
        // detail it learned, repeatedly, then settle on the exact size.
        for (let k = 0; k < steps; k++) {
          const [h, w] = [Math.round(x.shape[1] * up), Math.round(x.shape[2] * up)];
          const prev = this.upsample(x, h, w);
          const z = noiseRng.fork(`sr${k}`).normalTensor([1, h, w, 3]);
          x = g.forward(tf.add(tf.mul(z, amp), prev) as tf.Tensor4D, prev);
        }
        return toUnit(resizeTo(x, Math.round(h0 * factor), Math.round(w0 * factor))) as tf.Tensor4D;
      });
    } finally {
      if (image && image !== options.image) image.dispose();
    }
  }
}

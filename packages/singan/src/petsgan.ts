import { type CheckpointSource, InvalidArgumentError, Module, rng, tf } from '@scalespace/core';
import { assertMaskFits, blendMasked } from './mask.js';
import { loadModelDir } from './model-io.js';
import { resizeTo, toSigned, toUnit } from './ops.js';
import { patchMatch } from './patch-match.js';
import { LowResGenerator, RestorationNet } from './petsgan-networks.js';
import { parseSize, type Size } from './pyramid-sizes.js';
import type {
  AnimateOptions,
  InjectOptions,
  SampleOptions,
  SingleImageModel,
  SuperResolveOptions,
} from './single-image-model.js';
import { SingleImageModelBase } from './single-image-model-base.js';
import { intIn, numberIn, rgbImage, seedOf } from './validate.js';

export const PETSGAN_FORMAT = 'scalespace-petsgan/1';

/** Everything besides the weights that a trained PetsGAN-style model needs; saved as its config. */
export interface PetsGANConfig {
  format: typeof PETSGAN_FORMAT;
  method: 'petsgan';
  /** The training image's size at the model's resolution (a multiple of `factor`). */
  hrSize: Size;
  /** The low-resolution size the GAN works at: hrSize / factor. */
  lrSize: Size;
  /** Upscaling factor of the restoration network (a power of two; PetsGAN: 8). */
  factor: number;
  generatorChannels: number;
  /** Whether G reads a positional encoding (absent in older checkpoints: true). */
  generatorPositional?: boolean;
  restorationChannels: number;
  restorationKernel: number;
  restorationFinalKernel: number;
  /** The internal prior: patch matching of generated low-res images against the training image's patches. */
  patchMatch: { enabled: boolean; patchSize: number; iterations: number };
  /** Steps done in each training phase. */
  steps: { gan: number; restoration: number; joint: number };
  /** Seconds spent training (summed over resumed runs). */
  trainingSeconds: number;
  training: Record<string, unknown>;
}

/** The weights: the (averaged) low-resolution generator, the restoration network and the fixed tensors. */
export class PetsGANNet extends Module {
  readonly generator: LowResGenerator;
  readonly restoration: RestorationNet;
  /** The fixed low-resolution reconstruction noise [1, h, w, 1]. */
  readonly zRec: tf.Variable;
  /** The training image [1, H, W, 3] in [0, 1]. */
  readonly image: tf.Variable;
  /** The training image at the low resolution [1, h, w, 3] in [0, 1]. */
  readonly lowRes: tf.Variable;

  constructor(config: PetsGANConfig, seed = 0) {
    super();
    const r = rng(seed).fork('petsgan-init');
    this.generator = this.child(
      'generator',
      new LowResGenerator({
        channels: config.generatorChannels,
        positionalEncoding: config.generatorPositional ?? true,
        rng: r.fork('g'),
      }),
    );
    this.restoration = this.child(
      'restoration',
      new RestorationNet({
        factor: config.factor,
        channels: config.restorationChannels,
        kernelSize: config.restorationKernel,
        finalKernelSize: config.restorationFinalKernel,
        rng: r.fork('ir'),
      }),
    );
    this.zRec = this.buffer('z_rec', () => tf.zeros([1, ...config.lrSize, 1]));
    this.image = this.buffer('image', () => tf.zeros([1, ...config.hrSize, 3]));
    this.lowRes = this.buffer('low_res', () => tf.zeros([1, ...config.lrSize, 3]));
  }
}

/**
 * A trained model of the PetsGAN approach (Zhang et al., AAAI 2022): a GAN at image / 8 learns the
 * image's internal distribution, the generated low-resolution image is (optionally) rebuilt from
 * the training image's own patches, and a restoration network maps it to full resolution.
 */
export class PetsGAN extends SingleImageModelBase<PetsGANConfig, PetsGANNet> implements SingleImageModel {
  readonly method = 'petsgan' as const;

  constructor(config: PetsGANConfig, net?: PetsGANNet) {
    super(config, net ?? new PetsGANNet(config));
  }

  get imageSize(): Size {
    return this.config.hrSize;
  }

  /** Loads a saved model: a directory or `.safetensors` file by path (Node), a URL, a Response or the bytes. */
  static async load(source: CheckpointSource): Promise<PetsGAN> {
    return loadModelDir<PetsGANConfig, PetsGAN>(source, PETSGAN_FORMAT, 'PetsGAN', (config) => new PetsGAN(config));
  }

  /** The reference of the patch matching: the low-res training image and its mirror, side by side, in [-1, 1]. */
  reference(): tf.Tensor4D {
    return tf.tidy(() => {
      const lr = toSigned(this.net.lowRes) as tf.Tensor4D;
      return tf.concat([lr, tf.reverse(lr, 2)], 2) as tf.Tensor4D;
    });
  }

  /** Low-res images in [-1, 1] -> (patch matching, when enabled) -> restoration, in [-1, 1]. */
  restore(lowRes: tf.Tensor4D, options: { patchMatch?: boolean } = {}): tf.Tensor4D {
    const { enabled, patchSize, iterations } = this.config.patchMatch;
    return tf.tidy(() => {
      const x =
        (options.patchMatch ?? enabled) ? patchMatch(lowRes, this.reference(), { patchSize, iterations }) : lowRes;
      return this.net.restoration.forward(x);
    });
  }

  #lowResFor(size: SampleOptions['size']): { lr: Size; hr: Size } {
    const hr = size === undefined ? this.config.hrSize : parseSize(size);
    const f = this.config.factor;
    const lr: Size = [Math.max(1, Math.round(hr[0] / f)), Math.max(1, Math.round(hr[1] / f))];
    return { lr, hr };
  }

  #finish(x: tf.Tensor4D, hr: Size): tf.Tensor4D {
    return tf.tidy(() => {
      const y = x.shape[1] === hr[0] && x.shape[2] === hr[1] ? x : resizeTo(x, ...hr);
      return toUnit(y) as tf.Tensor4D;
    });
  }

  sample(options: SampleOptions = {}): tf.Tensor4D {
    const n = intIn(options.n, 1, 1, 256, 'sample: n');
    oneScale(options.startScale, 'sample');
    const seed = seedOf(options.seed);
    const { lr, hr } = this.#lowResFor(options.size);
    return tf.tidy(() => {
      const z = rng(seed)
        .fork('lr-noise')
        .normalTensor([n, ...lr, 1]) as tf.Tensor4D;
      return this.#finish(this.restore(this.net.generator.forward(z)), hr);
    });
  }

  /** Generated low-resolution images [n, h, w, 3] in [0, 1] (before matching and restoration). */
  sampleLowRes(options: SampleOptions = {}): tf.Tensor4D {
    const n = intIn(options.n, 1, 1, 256, 'sampleLowRes: n');
    const seed = seedOf(options.seed);
    const { lr } = this.#lowResFor(options.size);
    return tf.tidy(() => {
      const z = rng(seed)
        .fork('lr-noise')
        .normalTensor([n, ...lr, 1]) as tf.Tensor4D;
      return toUnit(this.net.generator.forward(z)) as tf.Tensor4D;
    });
  }

  reconstruct(): tf.Tensor4D {
    return tf.tidy(() =>
      this.#finish(
        this.restore(this.net.generator.forward(this.net.zRec as tf.Tensor4D), { patchMatch: false }),
        this.config.hrSize,
      ),
    );
  }

  trainingImage(): tf.Tensor4D {
    return tf.clone(this.net.image) as tf.Tensor4D;
  }

  /** One generator scale, at image / factor. */
  get scales(): number {
    return 1;
  }

  /** 1 .. log2(factor): how many halvings below the low resolution the injected image enters from (the top: none). */
  injectScales(): { min: number; max: number; default: number } {
    const max = Math.round(Math.log2(this.config.factor));
    return { min: 1, max, default: max };
  }

  inject(options: InjectOptions): tf.Tensor4D {
    const range = this.injectScales();
    const scale = intIn(options.scale, range.default, range.min, range.max, 'inject: scale');
    const n = intIn(options.n, 1, 1, 256, 'inject: n');
    const seed = seedOf(options.seed);
    const { lr, hr } = this.#lowResFor(options.size);
    const image = rgbImage(options.image, 'inject: image');
    try {
      assertMaskFits(options.mask, image);
      return tf.tidy(() => {
        const signed = toSigned(tf.expandDims(image, 0)) as tf.Tensor4D;
        // Below the top scale the image enters as it looks 2^(max - scale) times smaller, so patch
        // matching and restoration redraw more of it (as SinGAN's lower injection scales do).
        const shrink = 2 ** (range.max - scale);
        const entry: Size = [Math.max(1, Math.round(lr[0] / shrink)), Math.max(1, Math.round(lr[1] / shrink))];
        const small = resizeTo(signed, ...entry);
        let low = tf.tile(shrink === 1 ? small : resizeTo(small, ...lr), [n, 1, 1, 1]) as tf.Tensor4D;
        // A little noise per sample, so n > 1 gives variations (the restoration was trained on noisy inputs).
        if (n > 1) low = tf.add(low, tf.mul(rng(seed).fork('inject').normalTensor(low.shape), 0.05)) as tf.Tensor4D;
        return blendMasked(this.#finish(this.restore(low), hr), image, options.mask);
      });
    } finally {
      if (image !== options.image) image.dispose();
    }
  }

  animate(options: AnimateOptions = {}): tf.Tensor4D {
    const frames = intIn(options.frames, 24, 1, 1000, 'animate: frames');
    const seed = seedOf(options.seed);
    const alpha = numberIn(options.alpha, 0.1, 0, 1, 'animate: alpha');
    const beta = numberIn(options.beta, 0.9, 0, 1, 'animate: beta');
    oneScale(options.startScale, 'animate');
    const { lr, hr } = this.#lowResFor(options.size);
    const base = rng(seed);
    return tf.tidy(() => {
      const centre = resizeTo(this.net.zRec as tf.Tensor4D, ...lr);
      let previous: tf.Tensor = centre;
      let current: tf.Tensor = tf.add(tf.mul(centre, 0.95), tf.mul(base.fork('init').normalTensor(centre.shape), 0.05));
      const out: tf.Tensor[] = [];
      for (let f = 0; f < frames; f++) {
        const step = tf.add(
          tf.mul(tf.sub(current, previous), beta),
          tf.mul(base.fork(`f${f}`).normalTensor(centre.shape), 1 - beta),
        );
        previous = current;
        current = tf.add(tf.mul(centre, alpha), tf.mul(tf.add(current, step), 1 - alpha));
        out.push(this.#finish(this.restore(this.net.generator.forward(current as tf.Tensor4D)), hr));
      }
      return tf.concat(out, 0) as tf.Tensor4D;
    });
  }

  superResolve(options: SuperResolveOptions = {}): tf.Tensor4D {
    const factor = numberIn(options.factor, 2, 1, 16, 'superResolve: factor');
    seedOf(options.seed);
    const image = options.image ? rgbImage(options.image, 'superResolve: image') : null;
    try {
      return tf.tidy(() => {
        const x = image
          ? (toSigned(tf.expandDims(image, 0)) as tf.Tensor4D)
          : (toSigned(this.net.image) as tf.Tensor4D);
        const [h, w] = [x.shape[1], x.shape[2]];
        const target: Size = [Math.round(h * factor), Math.round(w * factor)];
        // The restoration network upscales by `factor` (8); feed it the image at target / 8.
        const f = this.config.factor;
        const low = resizeTo(x, Math.max(1, Math.round(target[0] / f)), Math.max(1, Math.round(target[1] / f)));
        return this.#finish(this.net.restoration.forward(low), target);
      });
    } finally {
      if (image && image !== options.image) image.dispose();
    }
  }
}

/** PetsGAN has one generator scale: a start scale other than 0 is refused. */
function oneScale(startScale: number | undefined, what: string): void {
  if (startScale !== undefined && startScale !== 0)
    throw new InvalidArgumentError(
      `${what}: startScale must be 0 for a PetsGAN model (one generator scale, at image / factor), got ${startScale}`,
    );
}

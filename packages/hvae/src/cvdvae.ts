import { gaussianKl, InvalidArgumentError, InvalidImageError, Module, rng as makeRng, tf } from '@scalespace/core';
import { resize } from '@scalespace/pyramids';
import { parseBlockString } from './block-string.js';
import { BottleneckBlock } from './bottleneck-block.js';
import type { ChooseLatent } from './decoder.js';
import { type Activations, BottomUpEncoder } from './encoder.js';
import type { OutputMode, Temperature } from './latents.js';
import type { VDVAE } from './vdvae.js';

/** CVDVAE's own hyper-parameters (the prior's are in the prior's config). */
export interface CVDVAEConfig {
  /** Downscaling factor s: the low-resolution input is (imageSize / s) square. */
  scale: number;
  /** Number of leading latent groups the low-resolution encoder predicts (k). */
  groups: number;
  /** Block string of the low-resolution encoder, starting at imageSize / s, e.g. `8x2,8d2,4x2,4d4,1x1`. */
  encBlocks: string;
  /**
   * The encoder reads y upsampled (bicubic) by this factor (default 1: y itself), so its bottom-up pass
   * can reach, and k can cover, latent groups above the low resolution.
   */
  upsample?: number;
}

/** The differentiable CVDVAE loss terms (nats per high-resolution dimension, mean over the batch). */
export interface CVDVAELossTerms {
  loss: tf.Scalar;
  /** KL(q_phi(z_l | z_<l, x) || q_psi(z_l | z_<l, y)) of each of the k groups [k]. */
  kl: tf.Tensor1D;
}

export interface SuperResolveOptions {
  /** Super-resolutions per input (default 1). All of them are decoded in one batched pass. */
  samples?: number;
  /** Temperature of every latent group (the encoder's and the prior's), or one per group. Default 0.8. */
  temperature?: Temperature;
  seed?: number;
  /** Sample the output mixture or take its mode (default: 'mode' at temperature 0, else 'sample'). */
  output?: OutputMode;
}

/**
 * CVDVAE (Prost et al., paper 001): a low-resolution encoder q_psi(z_<k | y) — a bottom-up pass on y
 * (`lr_encoder`) and a head in each of the first k top-down blocks reading [decoder state, LR feature]
 * (`lr_heads.l`) — in front of a pretrained VD-VAE whose weights stay frozen. Super-resolution draws
 * z_<k from q_psi, the remaining groups from the prior at a temperature, and decodes: one network pass
 * per sample.
 */
export class CVDVAE extends Module {
  readonly config: CVDVAEConfig;
  readonly prior: VDVAE;
  readonly lr_encoder: BottomUpEncoder;
  readonly lr_heads: BottleneckBlock[];
  readonly lowSize: number;

  constructor(prior: VDVAE, config: CVDVAEConfig, options: { seed?: number } = {}) {
    super();
    const { scale, groups: k, encBlocks, upsample = 1 } = config;
    const p = prior.config;
    if (!Number.isInteger(scale) || scale < 2 || p.imageSize % scale !== 0) {
      throw new InvalidArgumentError(
        `CVDVAE: scale must be an integer >= 2 dividing the image size ${p.imageSize}, got ${scale}`,
      );
    }
    if (!Number.isInteger(k) || k < 1 || k > prior.groups) {
      throw new InvalidArgumentError(`CVDVAE: groups (k) must be an integer in 1..${prior.groups}, got ${k}`);
    }
    this.lowSize = p.imageSize / scale;
    if (!Number.isInteger(upsample) || upsample < 1 || upsample > scale) {
      throw new InvalidArgumentError(`CVDVAE: upsample must be an integer in 1..${scale}, got ${upsample}`);
    }
    const inputSize = this.lowSize * upsample;
    const blocks = parseBlockString(encBlocks);
    let res = inputSize;
    const made = new Set([res]);
    for (const [i, b] of blocks.entries()) {
      if (b.res !== res || b.mixin !== undefined) {
        throw new InvalidArgumentError(
          `CVDVAE encoder block ${i} is at resolution ${b.res} but the features are ${res}x${res} there; start at ${inputSize} (the low-resolution size times upsample)`,
        );
      }
      if (b.downRate) made.add((res /= b.downRate));
    }
    for (let i = 0; i < k; i++) {
      const r = prior.decoder.dec_blocks[i].base;
      if (!made.has(r)) {
        throw new InvalidArgumentError(
          `CVDVAE: latent group ${i} lives at resolution ${r}, which the low-resolution encoder "${encBlocks}" never produces (it makes ${[...made].join(', ')}); lower groups or change encBlocks`,
        );
      }
    }
    this.config = { scale, groups: k, encBlocks, ...(upsample !== 1 && { upsample }) };
    this.prior = this.child('prior', prior);
    prior.setTrainable(false);
    const r = makeRng(options.seed ?? 0);
    this.lr_encoder = this.child(
      'lr_encoder',
      new BottomUpEncoder({
        imageChannels: p.imageChannels,
        width: p.widthAt(inputSize),
        blocks,
        widthAt: p.widthAt,
        bottleneckMultiple: p.bottleneckMultiple,
        activation: p.activation,
        rng: r.fork('lr_encoder'),
      }),
    );
    this.lr_heads = this.childList(
      'lr_heads',
      Array.from({ length: k }, (_, i) => {
        const block = prior.decoder.dec_blocks[i];
        return new BottleneckBlock({
          inWidth: block.width * 2,
          middleWidth: Math.floor(block.width * p.bottleneckMultiple),
          outWidth: block.zdim * 2,
          use3x3: block.base > 2,
          activation: p.activation,
          rng: r.fork(`lr_heads.${i}`),
        });
      }),
    );
  }

  /** Checks low-resolution images [N, h, h, C] (or [h, h, C]); returns a batch. */
  checkLowRes(y: tf.Tensor): tf.Tensor4D {
    const { imageChannels: c } = this.prior.config;
    const h = this.lowSize;
    const shape = y.rank === 3 ? [1, ...y.shape] : y.shape;
    if (shape.length !== 4 || shape[1] !== h || shape[2] !== h || shape[3] !== c) {
      throw new InvalidImageError(
        `CVDVAE: expected low-resolution images [N, ${h}, ${h}, ${c}] (or [${h}, ${h}, ${c}]) in [0, 1], got [${y.shape.join(', ')}]; ` +
          `degrade the ${this.prior.config.imageSize}x${this.prior.config.imageSize} image by ${this.config.scale} first`,
      );
    }
    if (y.dtype !== 'float32') throw new InvalidImageError(`CVDVAE: expected float32 images, got ${y.dtype}`);
    return (y.rank === 3 ? tf.expandDims(y, 0) : y) as tf.Tensor4D;
  }

  /** Bottom-up features of low-resolution images (normalised like the prior's input). */
  lowResFeatures(y: tf.Tensor4D): Activations {
    const up = this.config.upsample ?? 1;
    return tf.tidy(() => {
      const input = up === 1 ? y : (resize(y, { scale: up, method: 'bicubic' }) as tf.Tensor4D);
      return this.lr_encoder.forward(this.prior.normalize(input));
    });
  }

  /** q_psi(z_l | z_<l, y) of group l < k from the decoder state and the LR features. */
  lowResPosterior(index: number, x: tf.Tensor4D, acts: Activations): { mean: tf.Tensor4D; logStd: tf.Tensor4D } {
    const block = this.prior.decoder.dec_blocks[index];
    const [mean, logStd] = this.lr_heads[index].forwardSplit([x, acts[block.base]], [block.zdim, block.zdim]);
    return { mean, logStd };
  }

  /**
   * The training loss of paper 001: sum over the first k groups of KL(q_phi(z_l | z_<l, x) || q_psi(z_l | z_<l, y)),
   * with z drawn from the frozen high-resolution encoder q_phi. Differentiable in psi only.
   */
  lossTerms(x: tf.Tensor4D, y: tf.Tensor4D, options: { rng?: ReturnType<typeof makeRng> } = {}): CVDVAELossTerms {
    this.prior.checkImages(x, 'high-resolution images');
    if (y.rank !== 4)
      throw new InvalidImageError(
        `CVDVAE: lossTerms takes a batch [N, h, h, C] of low-resolution images, got [${y.shape.join(', ')}]`,
      );
    const low = this.checkLowRes(y);
    if (low.shape[0] !== x.shape[0])
      throw new InvalidArgumentError(
        `CVDVAE: ${x.shape[0]} high-resolution images but ${low.shape[0]} low-resolution ones`,
      );
    const r = options.rng ?? makeRng(0);
    return tf.tidy(() => {
      const hr = this.prior.encoder.forward(this.prior.normalize(x));
      const lr = this.lowResFeatures(low);
      const kls: tf.Tensor[] = [];
      const choose: ChooseLatent = (ctx) => {
        const q = ctx.block.posterior(ctx.x, hr[ctx.block.base]);
        const s = this.lowResPosterior(ctx.index, ctx.x, lr);
        kls.push(ctx.keep(tf.sum(gaussianKl(q.mean, q.logStd, s.mean, s.logStd), [1, 2, 3])));
        return tf.add(q.mean, tf.mul(tf.exp(q.logStd), r.normalTensor(q.mean.shape))) as tf.Tensor4D;
      };
      this.prior.decoder.run(x.shape[0], choose, this.config.groups);
      const kl = tf.div(tf.mean(tf.stack(kls, 1), 0), this.prior.dims) as tf.Tensor1D;
      return { loss: tf.sum(kl) as tf.Scalar, kl };
    });
  }

  /**
   * Diverse super-resolution: for each low-resolution image, `samples` high-resolution images, all
   * decoded in one batched network pass. Returns [samples, H, W, C] for one image [h, w, C] and
   * [N, samples, H, W, C] for a batch.
   */
  superResolve(y: tf.Tensor, options: SuperResolveOptions = {}): tf.Tensor {
    const low = this.checkLowRes(y);
    const samples = options.samples ?? 1;
    if (!Number.isInteger(samples) || samples < 1)
      throw new InvalidArgumentError(`superResolve: samples must be a positive integer, got ${samples}`);
    const temperature = options.temperature ?? 0.8;
    const list = Array.isArray(temperature) ? temperature : null;
    const tAt = (i: number) => (list ? list[i] : (temperature as number));
    const r = makeRng(options.seed ?? 0);
    const n = low.shape[0] * samples;
    const output: OutputMode =
      options.output ?? ((list ? list.every((t) => t === 0) : temperature === 0) ? 'mode' : 'sample');
    const params = tf.tidy(() => {
      const repeated = tf.reshape(tf.tile(tf.expandDims(low, 1), [1, samples, 1, 1, 1]), [
        n,
        this.lowSize,
        this.lowSize,
        low.shape[3],
      ]) as tf.Tensor4D;
      const lr = this.lowResFeatures(repeated);
      const zr = r.fork('latents');
      const choose: ChooseLatent = (ctx) => {
        const t = tAt(ctx.index);
        if (ctx.index >= this.config.groups) {
          if (t === 0) return ctx.pMean;
          return tf.add(
            ctx.pMean,
            tf.mul(tf.exp(ctx.pLogStd), tf.mul(zr.fork(`z${ctx.index}`).normalTensor(ctx.pMean.shape), t)),
          ) as tf.Tensor4D;
        }
        const q = this.lowResPosterior(ctx.index, ctx.x, lr);
        if (t === 0) return q.mean;
        return tf.add(
          q.mean,
          tf.mul(tf.exp(q.logStd), tf.mul(zr.fork(`z${ctx.index}`).normalTensor(q.mean.shape), t)),
        ) as tf.Tensor4D;
      };
      return this.prior.decodeParams(n, { temperature, rng: zr, choose });
    });
    try {
      const images = this.prior.pixels(params, output, r.fork('pixels'));
      if (y.rank === 3) return images;
      const { imageSize: s, imageChannels: c } = this.prior.config;
      const shaped = tf.reshape(images, [low.shape[0], samples, s, s, c]);
      images.dispose();
      return shaped;
    } finally {
      params.dispose();
      if (low !== y) low.dispose();
    }
  }
}

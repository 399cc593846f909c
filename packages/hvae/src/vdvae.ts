import {
  gaussianKl,
  gaussianLogProb,
  InvalidArgumentError,
  InvalidImageError,
  logisticMixtureLogProb,
  logisticMixtureParamCount,
  logisticMixtureSample,
  Module,
  rng as makeRng,
  type Rng,
  tf,
} from '@scalespace/core';
import { type ChooseLatent, Decoder } from './decoder.js';
import { BottomUpEncoder } from './encoder.js';
import {
  checkTemperature,
  type DecodeLatentsOptions,
  type DecodeOptions,
  disposeLatents,
  draw,
  type ElboReport,
  type ElboTerms,
  type LatentGroup,
  type OutputMode,
} from './latents.js';
import { logisticMixtureMode } from './mixture-mode.js';
import { type ResolvedVDVAEConfig, resolveVDVAEConfig, type VDVAEConfig } from './vdvae-config.js';

/**
 * VD-VAE (Child, ICLR 2021): a bottom-up encoder, a top-down decoder with one latent group per block and
 * a discretized logistic mixture over the pixels. Images are float [N, H, W, C] in [0, 1], quantised to
 * `bits` bits for the likelihood. Parameter names follow the official implementation (`encoder.in_conv`,
 * `encoder.enc_blocks.i.c1`, `decoder.dec_blocks.i.prior.c4`, ...), so converted official checkpoints load.
 */
export class VDVAE extends Module {
  readonly config: ResolvedVDVAEConfig;
  readonly encoder: BottomUpEncoder;
  readonly decoder: Decoder;

  constructor(
    config: Partial<VDVAEConfig> & Pick<VDVAEConfig, 'imageSize' | 'encBlocks' | 'decBlocks'>,
    options: { seed?: number } = {},
  ) {
    super();
    const c = resolveVDVAEConfig(config);
    this.config = c;
    const r = makeRng(options.seed ?? 0);
    this.encoder = this.child(
      'encoder',
      new BottomUpEncoder({
        imageChannels: c.imageChannels,
        width: c.width,
        blocks: c.encoder,
        widthAt: c.widthAt,
        bottleneckMultiple: c.bottleneckMultiple,
        activation: c.activation,
        rng: r.fork('encoder'),
      }),
    );
    this.decoder = this.child(
      'decoder',
      new Decoder({
        imageSize: c.imageSize,
        width: c.width,
        zdim: c.zdim,
        blocks: c.decoder,
        widthAt: c.widthAt,
        bottleneckMultiple: c.bottleneckMultiple,
        noBiasAbove: c.noBiasAbove,
        outChannels: logisticMixtureParamCount(c.imageChannels, c.numMixtures),
        activation: c.activation,
        rng: r.fork('decoder'),
      }),
    );
  }

  /** Number of latent groups. */
  get groups(): number {
    return this.decoder.groups;
  }

  /** Values per image, H * W * C. */
  get dims(): number {
    return this.config.imageSize * this.config.imageSize * this.config.imageChannels;
  }

  /** Checks an image batch [N, H, W, C] in [0, 1] against the config. */
  checkImages(x: tf.Tensor, what = 'images'): tf.Tensor4D {
    const { imageSize: s, imageChannels: c } = this.config;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== c) {
      throw new InvalidImageError(
        `${what}: expected [N, ${s}, ${s}, ${c}] float images in [0, 1], got [${x.shape.join(', ')}]` +
          (x.rank === 3 ? '; add a batch axis with tf.expandDims(x, 0)' : ''),
      );
    }
    if (x.dtype !== 'float32')
      throw new InvalidImageError(`${what}: expected float32 values in [0, 1], got ${x.dtype}`);
    return x as tf.Tensor4D;
  }

  /** The encoder's input: (x - inputMean) / inputStd. */
  normalize(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.div(tf.sub(x, this.config.inputMean), this.config.inputStd) as tf.Tensor4D);
  }

  /** The likelihood's integer values 0..2^bits-1 of images in [0, 1] (see the config's `quantization`). */
  quantize(x: tf.Tensor4D): tf.Tensor4D {
    const { bits, quantization } = this.config;
    const n = 2 ** bits;
    return tf.tidy(() => {
      const k =
        quantization === 'truncate'
          ? tf.floor(tf.div(tf.round(tf.mul(x, 255)), 2 ** (8 - bits)))
          : tf.round(tf.mul(x, n - 1));
      return tf.clipByValue(k, 0, n - 1) as tf.Tensor4D;
    });
  }

  /** Value k stands for the pixel k / valueScale in [0, 1] (2^bits - 1, or 255 / 2^(8 - bits) when truncating). */
  #valueScale(): number {
    const { bits, quantization } = this.config;
    return quantization === 'truncate' ? 255 / 2 ** (8 - bits) : 2 ** bits - 1;
  }

  #mixture() {
    const { bits, numMixtures, imageChannels, quantization } = this.config;
    return {
      bits,
      components: numMixtures,
      channels: imageChannels,
      ...(quantization === 'truncate' && { spacing: 2 / this.#valueScale() }),
    };
  }

  /**
   * The negative ELBO's terms for a batch, differentiable (use inside tf.variableGrads). z is drawn from
   * the posterior with `rng`, or as mean + std * noise[i] when `noise` gives the standard normals.
   */
  elboTerms(x: tf.Tensor4D, options: { rng?: Rng; noise?: tf.Tensor[] }): ElboTerms {
    this.checkImages(x);
    const { noise } = options;
    if (noise && noise.length !== this.groups) {
      throw new InvalidArgumentError(`elboTerms: noise has ${noise.length} tensors for ${this.groups} groups`);
    }
    const r = options.rng ?? makeRng(0);
    return tf.tidy(() => {
      const n = x.shape[0];
      const acts = this.encoder.forward(this.normalize(x));
      const kls: tf.Tensor[] = [];
      const choose: ChooseLatent = (ctx) => {
        const q = ctx.block.posterior(ctx.x, acts[ctx.block.base]);
        kls.push(ctx.keep(tf.sum(gaussianKl(q.mean, q.logStd, ctx.pMean, ctx.pLogStd), [1, 2, 3])));
        return draw(q.mean, q.logStd, 1, () => noise?.[ctx.index] ?? r.normalTensor(q.mean.shape));
      };
      const { params } = this.decoder.run(n, choose);
      const logp = logisticMixtureLogProb(params!, this.quantize(x), this.#mixture()); // [N, H, W]
      const distortion = tf.div(tf.neg(tf.mean(tf.sum(logp, [1, 2]))), this.dims) as tf.Scalar;
      const kl = tf.div(tf.mean(tf.stack(kls, 1), 0), this.dims) as tf.Tensor1D;
      const loss = tf.add(distortion, tf.sum(kl)) as tf.Scalar;
      return { loss, distortion, kl };
    });
  }

  /** The ELBO of a batch in bits/dim, with the reconstruction term and each group's KL reported separately. */
  async elbo(x: tf.Tensor, options: { seed?: number } = {}): Promise<ElboReport> {
    const terms = this.elboTerms(this.checkImages(x), { rng: makeRng(options.seed ?? 0) });
    const [[loss], [distortion], kl] = await Promise.all([
      terms.loss.data(),
      terms.distortion.data(),
      terms.kl.data().then((v) => Array.from(v)),
    ]).finally(() => tf.dispose([terms.loss, terms.distortion, terms.kl]));
    return {
      bitsPerDim: loss / Math.LN2,
      reconstructionBpd: distortion / Math.LN2,
      klBpd: kl.reduce((a, b) => a + b, 0) / Math.LN2,
      klPerGroupBpd: kl.map((v) => v / Math.LN2),
    };
  }

  /**
   * Importance-sampled negative log-likelihood in bits/dim per image: -log (1/K) sum_k p(x, z_k) / q(z_k | x)
   * with K posterior samples (the IWAE bound: above the true NLL, approaching it as K grows, and never
   * above the negative ELBO in expectation). `batch` limits how many samples run at once.
   */
  async importanceNll(x: tf.Tensor, options: { samples: number; seed?: number; batch?: number }): Promise<number[]> {
    const images = this.checkImages(x);
    const { samples } = options;
    if (!Number.isInteger(samples) || samples < 1)
      throw new InvalidArgumentError(`importanceNll: samples must be a positive integer, got ${samples}`);
    const batch = options.batch ?? 256;
    const r = makeRng(options.seed ?? 0);
    const out: number[] = [];
    for (let i = 0; i < images.shape[0]; i++) {
      const weights: number[] = [];
      for (let done = 0; done < samples; done += batch) {
        const k = Math.min(batch, samples - done);
        const w = tf.tidy(() => {
          const xi = tf.tile(tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]), [k, 1, 1, 1]) as tf.Tensor4D;
          const acts = this.encoder.forward(this.normalize(xi));
          const terms: tf.Tensor[] = [];
          const choose: ChooseLatent = (ctx) => {
            const q = ctx.block.posterior(ctx.x, acts[ctx.block.base]);
            const z = draw(q.mean, q.logStd, 1, () => r.normalTensor(q.mean.shape));
            const logP = tf.sum(gaussianLogProb(z, ctx.pMean, ctx.pLogStd), [1, 2, 3]);
            const logQ = tf.sum(gaussianLogProb(z, q.mean, q.logStd), [1, 2, 3]);
            terms.push(ctx.keep(tf.sub(logP, logQ)));
            return z;
          };
          const { params } = this.decoder.run(k, choose);
          const logPx = tf.sum(logisticMixtureLogProb(params!, this.quantize(xi), this.#mixture()), [1, 2]);
          return tf.add(logPx, tf.addN(terms));
        });
        weights.push(...(await w.data()));
        w.dispose();
      }
      const m = Math.max(...weights);
      const logMean = m + Math.log(weights.reduce((a, v) => a + Math.exp(v - m), 0) / weights.length);
      out.push(-logMean / (this.dims * Math.LN2));
    }
    return out;
  }

  /**
   * The posterior of every group for images x: z_i ~ q(z_i | z_<i, x) drawn in order (temperature 0: the
   * posterior means), with the prior each group had. The caller owns the tensors (`disposeLatents`).
   */
  encode(x: tf.Tensor, options: { seed?: number; temperature?: number } = {}): LatentGroup[] {
    const images = this.checkImages(x);
    const t = options.temperature ?? 1;
    checkTemperature(t, this.groups);
    const r = makeRng(options.seed ?? 0);
    return tf.tidy(() => {
      const acts = this.encoder.forward(this.normalize(images));
      const groups: LatentGroup[] = [];
      const choose: ChooseLatent = (ctx) => {
        const q = ctx.block.posterior(ctx.x, acts[ctx.block.base]);
        const z = draw(q.mean, q.logStd, t, () => r.fork(ctx.index).normalTensor(q.mean.shape));
        const { keep } = ctx;
        groups.push({
          z,
          qMean: keep(q.mean),
          qLogStd: keep(q.logStd),
          pMean: keep(ctx.pMean),
          pLogStd: keep(ctx.pLogStd),
        });
        return z;
      };
      this.decoder.run(images.shape[0], choose);
      return groups.map((g) => ({ ...g, z: g.z === g.qMean ? tf.clone(g.z) : g.z }));
    });
  }

  /** Pixels [N, H, W, C] in [0, 1] from mixture parameters. */
  pixels(params: tf.Tensor4D, output: OutputMode, r: Rng): tf.Tensor4D {
    return tf.tidy(() => {
      const ints =
        output === 'mode'
          ? logisticMixtureMode(params, this.#mixture())
          : logisticMixtureSample(params, { ...this.#mixture(), rng: r });
      return tf.div(tf.cast(ints, 'float32'), this.#valueScale()) as tf.Tensor4D;
    });
  }

  /**
   * Decodes a batch of n with the first groups given (`latents[i]` is z_i, batch n or 1) and the rest
   * drawn from the prior at the temperature. Used by `sample`, `sampleGivenLatents` and CVDVAE.
   * `choose` can override how groups are picked. Returns the mixture parameters (caller owns them).
   */
  decodeParams(n: number, options: DecodeLatentsOptions): tf.Tensor4D {
    const { params, latents } = this.decodeLatents(n, options);
    tf.dispose(latents);
    return params;
  }

  /** Like `decodeParams`, also returning every group's z as used (the caller owns all tensors). */
  decodeLatents(n: number, options: DecodeLatentsOptions): { params: tf.Tensor4D; latents: tf.Tensor4D[] } {
    const tAt = checkTemperature(options.temperature ?? 1, this.groups);
    const latents = options.latents ?? [];
    const r = options.rng;
    return tf.tidy(() => {
      const choose: ChooseLatent = (ctx) => {
        const given = latents[ctx.index];
        if (given) return (given.shape[0] === n ? given : tf.tile(given, [n / given.shape[0], 1, 1, 1])) as tf.Tensor4D;
        if (options.choose) return options.choose(ctx);
        return draw(
          ctx.pMean,
          ctx.pLogStd,
          tAt(ctx.index),
          () => options.noise?.[ctx.index] ?? r.fork(`z${ctx.index}`).normalTensor(ctx.pMean.shape),
        );
      };
      const out = this.decoder.run(n, choose);
      return { params: out.params!, latents: out.latents.map((z) => (latents.includes(z) ? tf.clone(z) : z)) };
    });
  }

  #output(options: DecodeOptions): OutputMode {
    if (options.output !== undefined) {
      if (options.output !== 'sample' && options.output !== 'mode') {
        throw new InvalidArgumentError(`output must be 'sample' or 'mode', got ${String(options.output)}`);
      }
      return options.output;
    }
    const t = options.temperature ?? 1;
    return (Array.isArray(t) ? t.every((v) => v === 0) : t === 0) ? 'mode' : 'sample';
  }

  /** Unconditional samples [n, H, W, C] in [0, 1]: every group from the prior at `temperature`. */
  sample(options: DecodeOptions & { n: number }): tf.Tensor4D {
    const { n } = options;
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`sample: n must be a positive integer, got ${n}`);
    const r = makeRng(options.seed ?? 0);
    const output = this.#output(options);
    const params = this.decodeParams(n, { temperature: options.temperature ?? 1, rng: r.fork('latents') });
    try {
      return this.pixels(params, output, r.fork('pixels'));
    } finally {
      params.dispose();
    }
  }

  /**
   * Samples with the first k groups fixed: `latents` are z_0..z_{k-1} (from `encode` or an earlier
   * sample; batch n or 1), the remaining groups come from the prior at `temperature`.
   */
  sampleGivenLatents(latents: tf.Tensor[], options: DecodeOptions & { n?: number } = {}): tf.Tensor4D {
    if (!Array.isArray(latents) || latents.length > this.groups) {
      throw new InvalidArgumentError(`sampleGivenLatents: pass an array of at most ${this.groups} latent groups`);
    }
    const batch = Math.max(1, ...latents.map((z) => z.shape[0]));
    const n = options.n ?? batch;
    for (const [i, z] of latents.entries()) {
      const [, r0, r1, zd] = this.decoder.groupShape(i, n);
      if (
        z.rank !== 4 ||
        z.shape[1] !== r0 ||
        z.shape[2] !== r1 ||
        z.shape[3] !== zd ||
        (z.shape[0] !== n && z.shape[0] !== 1)
      ) {
        throw new InvalidArgumentError(
          `sampleGivenLatents: group ${i} must be [${n} or 1, ${r0}, ${r1}, ${zd}], got [${z.shape.join(', ')}]`,
        );
      }
    }
    const r = makeRng(options.seed ?? 0);
    const output = this.#output(options);
    const params = this.decodeParams(n, { latents, temperature: options.temperature ?? 1, rng: r.fork('latents') });
    try {
      return this.pixels(params, output, r.fork('pixels'));
    } finally {
      params.dispose();
    }
  }

  /** Encodes x and decodes every group from its posterior sample (temperature 0: the posterior means). */
  reconstruct(x: tf.Tensor, options: { seed?: number; temperature?: number; output?: OutputMode } = {}): tf.Tensor4D {
    const groups = this.encode(x, { seed: options.seed ?? 0, temperature: options.temperature ?? 1 });
    try {
      return this.sampleGivenLatents(
        groups.map((g) => g.z),
        { seed: options.seed ?? 0, output: options.output ?? (options.temperature === 0 ? 'mode' : 'sample') },
      );
    } finally {
      disposeLatents(groups);
    }
  }
}

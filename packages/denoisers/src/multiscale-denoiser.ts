import { InvalidArgumentError, Module, rng, tf, throwIfAborted } from '@scalespace/core';
import { type AscentResult, ascentSample } from './ascent.js';
import { BFCNN } from './bf-cnn.js';
import { validateChannels } from './flat-denoiser.js';
import { haarDecompose, inverseHaarStep } from './haar.js';
import { asBatch, padToMultiple, rmsPerImage } from './image-batch.js';
import { ascentOptions, factorLevels, sampleShape, summarizeRuns } from './sampling-options.js';
import type {
  DenoiseOptions,
  DenoiseResult,
  Denoiser,
  MultiscaleDenoiserConfig,
  SampleOptions,
  SampleResult,
  SamplerSettings,
  SuperResolveOptions,
} from './types.js';

/**
 * The multi-scale conditional model of Kadkhodaie et al. (2023) on the normalised Haar pyramid (level j
 * coefficients divided by 2^(j+1), so every low-pass band is a block average in image range): a bias-free
 * denoiser of the coarsest low-pass band, and per scale j a bias-free conditional denoiser of the three
 * detail bands given the (clean) low-pass band of that scale, a Markov model of the details with a small
 * receptive field. Denoising runs coarse to fine, each scale conditioned on the denoised coarser one;
 * Algorithm 2 samples coarse to fine; super-resolution is Algorithm 2 started from a given low-pass band.
 */
export class MultiscaleDenoiser extends Module implements Denoiser {
  readonly config: MultiscaleDenoiserConfig;
  readonly lowpass: BFCNN;
  /** conditionals[j] denoises the details of scale j (0 = finest). */
  readonly conditionals: BFCNN[];

  constructor(config: MultiscaleDenoiserConfig, options: { seed?: number | string } = {}) {
    super();
    if (config.kind !== 'multiscale')
      throw new InvalidArgumentError(`MultiscaleDenoiser needs kind "multiscale", got "${config.kind}"`);
    validateChannels(config.channels);
    const conditionalOutput = config.conditionalOutput ?? 'details';
    if (conditionalOutput !== 'details' && conditionalOutput !== 'noise')
      throw new InvalidArgumentError(
        `conditionalOutput must be "details" or "noise", got ${JSON.stringify(config.conditionalOutput)}`,
      );
    if (!Number.isInteger(config.levels) || config.levels < 1 || config.levels > 8)
      throw new InvalidArgumentError(`levels must be an integer from 1 to 8, got ${config.levels}`);
    this.config = {
      kind: 'multiscale',
      channels: config.channels,
      levels: config.levels,
      lowpass: { ...config.lowpass },
      conditional: { ...config.conditional },
      conditionalOutput,
    };
    const c = config.channels;
    const r = rng(options.seed ?? 0);
    this.lowpass = this.child(
      'lowpass',
      new BFCNN({ inChannels: c, outChannels: c, ...config.lowpass }, r.fork('low')),
    );
    this.conditionals = this.childList(
      'conditionals',
      Array.from(
        { length: config.levels },
        (_, j) => new BFCNN({ inChannels: 4 * c, outChannels: 3 * c, ...config.conditional }, r.fork(`cond${j}`)),
      ),
    );
    this.eval();
  }

  /**
   * Copies another multi-scale model's low-pass denoiser into this one. The low-pass and conditional nets
   * train on different bands and never see each other's output, so they can come from separate runs.
   */
  copyLowpassFrom(source: MultiscaleDenoiser): void {
    const want = JSON.stringify(this.config.lowpass);
    const have = JSON.stringify(source.config.lowpass);
    if (want !== have || source.config.channels !== this.config.channels) {
      throw new InvalidArgumentError(
        `the source's low-pass net is ${have} (${source.config.channels} channels), this model's ${want} (${this.config.channels})`,
      );
    }
    this.lowpass.loadStateDict(source.lowpass.stateDict());
  }

  /** Residual of the low-pass denoiser on a coarsest band. */
  lowpassResidual(low: tf.Tensor4D): tf.Tensor4D {
    return this.lowpass.infer(low);
  }

  /** Residual of the scale-j conditional denoiser: the noise in `details` given the clean low-pass band. */
  conditionalResidual(j: number, low: tf.Tensor4D, details: tf.Tensor4D): tf.Tensor4D {
    const net = this.conditionals[j];
    if (!net) throw new InvalidArgumentError(`scale ${j} does not exist (levels 0..${this.config.levels - 1})`);
    const input = tf.concat([low, details], 3) as tf.Tensor4D;
    try {
      if (this.config.conditionalOutput === 'noise') return net.infer(input);
      const clean = net.infer(input);
      const residual = tf.sub(details, clean) as tf.Tensor4D;
      clean.dispose();
      return residual;
    } finally {
      input.dispose();
    }
  }

  /** Blind denoising coarse to fine on a batch whose size is divisible by 2^levels. */
  #denoiseBands(y: tf.Tensor4D, options: DenoiseOptions): tf.Tensor4D {
    const { levels } = this.config;
    const { low, details } = haarDecompose(y, levels);
    try {
      let estimate = tf.tidy(() => tf.sub(low, this.lowpassResidual(low)) as tf.Tensor4D);
      options.onProgress?.({ step: 1, total: levels + 1, etaSeconds: Number.NaN, phase: 'denoise lowpass' });
      for (let j = levels - 1; j >= 0; j--) {
        throwIfAborted(options.signal, 'denoising');
        const next = tf.tidy(() => {
          const clean = tf.sub(details[j], this.conditionalResidual(j, estimate, details[j])) as tf.Tensor4D;
          return inverseHaarStep(estimate, clean);
        });
        estimate.dispose();
        estimate = next;
        options.onProgress?.({
          step: levels + 1 - j,
          total: levels + 1,
          etaSeconds: Number.NaN,
          phase: `denoise scale ${j}`,
        });
      }
      return estimate;
    } finally {
      tf.dispose([low, ...details]);
    }
  }

  residual(y: tf.Tensor4D): tf.Tensor4D {
    const { padded, crop } = padToMultiple(y, 2 ** this.config.levels);
    const denoised = this.#denoiseBands(padded, {});
    if (padded !== y) padded.dispose();
    const cropped = crop(denoised);
    if (cropped !== denoised) denoised.dispose();
    const out = tf.sub(y, cropped) as tf.Tensor4D;
    cropped.dispose();
    return out;
  }

  async denoise(image: tf.Tensor, options: DenoiseOptions = {}): Promise<DenoiseResult> {
    throwIfAborted(options.signal, 'denoising');
    const started = performance.now();
    const { batch, restore } = asBatch(image, this.config.channels, 'denoise');
    const { padded, crop } = padToMultiple(batch, 2 ** this.config.levels);
    const denoised = this.#denoiseBands(padded, options);
    const out = crop(denoised);
    if (out !== denoised) denoised.dispose();
    if (padded !== batch) padded.dispose();
    const removed = tf.sub(batch, out) as tf.Tensor4D;
    const sigmaEstimate = await rmsPerImage(removed);
    removed.dispose();
    if (batch !== image) batch.dispose();
    const restored = restore(out);
    if (restored !== out) out.dispose();
    return {
      image: restored,
      evaluations: this.config.levels + 1,
      seconds: (performance.now() - started) / 1000,
      sigmaEstimate,
    };
  }

  /** Algorithm 2 from a given low-pass band at scale `from` (its details are sampled for from-1 .. 0). */
  async #synthesizeFrom(
    low: tf.Tensor4D,
    from: number,
    options: SamplerSettings & Pick<SampleOptions, 'seed' | 'onProgress' | 'signal'>,
    record: AscentResult[],
  ): Promise<tf.Tensor4D> {
    const r = rng(options.seed ?? 0);
    let current = low.clone() as tf.Tensor4D;
    try {
      for (let j = from - 1; j >= 0; j--) {
        const [n, h, w, c] = current.shape;
        const fixed = current;
        const result = await ascentSample(
          (y) => this.conditionalResidual(j, fixed, y),
          [n, h, w, 3 * c],
          ascentOptions(options, { seed: r.fork(`scale${j}`).seed, initMean: 0, phase: `scale ${j}` }),
        );
        record.push(result);
        const next = inverseHaarStep(current, result.sample);
        result.sample.dispose();
        current.dispose();
        current = next;
      }
      return current;
    } catch (error) {
      current.dispose();
      throw error;
    }
  }

  /** Algorithm 2 (wavelet conditional synthesis): the coarsest band by Algorithm 1, then details coarse to fine. */
  async sample(options: SampleOptions): Promise<SampleResult> {
    const { levels, channels } = this.config;
    const block = 2 ** levels;
    const [n, h, w] = sampleShape(options, block);
    const started = performance.now();
    const r = rng(options.seed ?? 0);
    const coarse = await ascentSample(
      (y) => this.lowpassResidual(y),
      [n, h / block, w / block, channels],
      ascentOptions(
        { ...options, ...options.lowpass },
        { seed: r.fork('lowpass').seed, initMean: 0.5, phase: 'lowpass' },
      ),
    );
    const record: AscentResult[] = [coarse];
    try {
      const images = await this.#synthesizeFrom(
        coarse.sample,
        levels,
        { ...options, seed: r.fork('details').seed },
        record,
      );
      return summarizeRuns(images, record, started);
    } finally {
      coarse.sample.dispose();
    }
  }

  /** Algorithm 2 started from `lowpass` (block averages of the wanted image): factor 2^k needs k <= levels. */
  async superResolve(lowpass: tf.Tensor, options: SuperResolveOptions = {}): Promise<SampleResult> {
    const factor = options.factor ?? 4;
    const k = factorLevels(factor, this.config.levels);
    const started = performance.now();
    const { batch } = asBatch(lowpass, this.config.channels, 'superResolve');
    const record: AscentResult[] = [];
    try {
      const images = await this.#synthesizeFrom(batch, k, options, record);
      return summarizeRuns(images, record, started);
    } finally {
      if (batch !== lowpass) batch.dispose();
    }
  }
}

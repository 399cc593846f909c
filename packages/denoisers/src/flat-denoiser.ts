import { InvalidArgumentError, Module, rng, tf, throwIfAborted } from '@scalespace/core';
import { ascentSample } from './ascent.js';
import { BFCNN } from './bf-cnn.js';
import { asBatch, rmsPerImage } from './image-batch.js';
import { ascentOptions, blockAverageConstraint, factorLevels, sampleShape, summarizeRuns } from './sampling-options.js';
import type {
  DenoiseOptions,
  DenoiseResult,
  Denoiser,
  FlatDenoiserConfig,
  SampleOptions,
  SampleResult,
  SuperResolveOptions,
} from './types.js';

export function validateChannels(channels: number): void {
  if (channels !== 1 && channels !== 3)
    throw new InvalidArgumentError(`channels must be 1 (grey) or 3 (RGB), got ${channels}`);
}

/**
 * A bias-free CNN denoiser in the pixel domain (BF-CNN): the network predicts the noise, D(y) = y - f(y).
 * Blind (no noise level given) and homogeneous, D(a y) = a D(y). Its residual drives Algorithm 1 for
 * synthesis and, with a linear constraint, for super-resolution.
 */
export class FlatDenoiser extends Module implements Denoiser {
  readonly config: FlatDenoiserConfig;
  readonly net: BFCNN;

  constructor(config: FlatDenoiserConfig, options: { seed?: number | string } = {}) {
    super();
    if (config.kind !== 'flat') throw new InvalidArgumentError(`FlatDenoiser needs kind "flat", got "${config.kind}"`);
    validateChannels(config.channels);
    this.config = { kind: 'flat', channels: config.channels, net: { ...config.net } };
    const c = config.channels;
    this.net = this.child(
      'net',
      new BFCNN({ inChannels: c, outChannels: c, ...config.net }, rng(options.seed ?? 0).fork('net')),
    );
    this.eval();
  }

  residual(y: tf.Tensor4D): tf.Tensor4D {
    return this.net.infer(y);
  }

  async denoise(image: tf.Tensor, options: DenoiseOptions = {}): Promise<DenoiseResult> {
    throwIfAborted(options.signal, 'denoising');
    const started = performance.now();
    const { batch, restore } = asBatch(image, this.config.channels, 'denoise');
    const f = this.residual(batch);
    const sigmaEstimate = await rmsPerImage(f);
    const out = tf.tidy(() => tf.sub(batch, f) as tf.Tensor4D);
    f.dispose();
    if (batch !== image) batch.dispose();
    const restored = restore(out);
    if (restored !== out) out.dispose();
    const seconds = (performance.now() - started) / 1000;
    options.onProgress?.({ step: 1, total: 1, etaSeconds: 0, phase: 'denoise' });
    return { image: restored, evaluations: 1, seconds, sigmaEstimate };
  }

  async sample(options: SampleOptions): Promise<SampleResult> {
    const [n, h, w] = sampleShape(options);
    const started = performance.now();
    const result = await ascentSample(
      (y) => this.residual(y),
      [n, h, w, this.config.channels],
      ascentOptions(options, { seed: options.seed ?? 0, initMean: 0.5, phase: 'sample' }),
    );
    return summarizeRuns(result.sample, [result], started);
  }

  /**
   * Super-resolution as a linear inverse problem (Kadkhodaie & Simoncelli 2021): Algorithm 1 moving only
   * in the null space of the block-average measurement, so the result's block averages equal `lowpass`.
   */
  async superResolve(lowpass: tf.Tensor, options: SuperResolveOptions = {}): Promise<SampleResult> {
    const factor = options.factor ?? 4;
    factorLevels(factor);
    const started = performance.now();
    const { batch } = asBatch(lowpass, this.config.channels, 'superResolve');
    const [n, h, w, c] = batch.shape;
    const constraint = blockAverageConstraint(batch, factor);
    try {
      const result = await ascentSample(
        (y) => this.residual(y),
        [n, h * factor, w * factor, c],
        ascentOptions(options, { seed: options.seed ?? 0, initMean: 0.5, constraint, phase: 'super-resolve' }),
      );
      return summarizeRuns(result.sample, [result], started);
    } finally {
      constraint.target.dispose();
      if (batch !== lowpass) batch.dispose();
    }
  }
}

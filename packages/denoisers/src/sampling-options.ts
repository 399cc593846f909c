import { InvalidArgumentError, tf } from '@scalespace/core';
import type { AscentOptions, AscentResult, LinearConstraint } from './ascent.js';
import type { SampleOptions, SampleResult, SamplerSettings } from './types.js';

/** `size` and `n` of sample options as [n, height, width], checked. */
export function sampleShape(options: SampleOptions, multiple = 1): [number, number, number] {
  const { size, n = 1 } = options;
  const [h, w] = typeof size === 'number' ? [size, size] : (size ?? []);
  const ok = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!ok(h) || !ok(w))
    throw new InvalidArgumentError(`sample: size must be a positive integer or [height, width], got ${size}`);
  if (!ok(n)) throw new InvalidArgumentError(`sample: n must be a positive integer, got ${n}`);
  if (h % multiple !== 0 || w % multiple !== 0) {
    throw new InvalidArgumentError(
      `sample: this model samples sizes divisible by ${multiple} (2^levels), got ${h}x${w}; use e.g. ${Math.ceil(h / multiple) * multiple}`,
    );
  }
  return [n, h, w];
}

/** The settings of Algorithm 1 picked out of a larger options object (so unrelated keys do not leak in). */
export function samplerSettings(options: SamplerSettings): SamplerSettings {
  const { h0, fixedStep, beta, sigma0, sigmaL, maxSteps, stallWindow } = options;
  return Object.fromEntries(
    Object.entries({ h0, fixedStep, beta, sigma0, sigmaL, maxSteps, stallWindow }).filter(([, v]) => v !== undefined),
  ) as SamplerSettings;
}

/**
 * Options for one run of Algorithm 1 inside a model call: the caller's sampler settings, progress and
 * abort signal, with the run's own seed, initial mean and phase label (and a constraint, if any).
 */
export function ascentOptions(
  options: SamplerSettings & Pick<SampleOptions, 'onProgress' | 'signal'>,
  run: Pick<AscentOptions, 'seed' | 'initMean' | 'phase' | 'constraint'>,
): AscentOptions {
  return {
    ...samplerSettings(options),
    ...run,
    ...(options.onProgress && { onProgress: options.onProgress }),
    ...(options.signal && { signal: options.signal }),
  };
}

/** A model call's result from its runs of Algorithm 1 . */
export function summarizeRuns(images: tf.Tensor4D, runs: AscentResult[], started: number): SampleResult {
  return {
    images,
    evaluations: runs.reduce((s, r) => s + r.evaluations, 0),
    steps: runs.map((r) => r.steps),
    seconds: (performance.now() - started) / 1000,
    converged: runs.every((r) => r.converged),
    stalled: runs.reduce((s, r) => s + r.stalled, 0),
  };
}

/** log2 of a super-resolution factor, checked to be a power of 2 in [2, 2^maxLevels]. */
export function factorLevels(factor: number, maxLevels = 8): number {
  const levels = Math.log2(factor);
  if (!Number.isInteger(levels) || levels < 1 || levels > maxLevels) {
    throw new InvalidArgumentError(
      `superResolve: factor must be a power of 2 from 2 to ${2 ** maxLevels}, got ${factor}` +
        (levels > maxLevels ? ` (this model has ${maxLevels} wavelet levels)` : ''),
    );
  }
  return levels;
}

/**
 * The block-average measurement of super-resolution as a linear constraint: M M^T replaces each
 * factor x factor block by its mean (M has orthonormal columns), and the target is the low-resolution
 * image repeated over its blocks. Dispose `target` when done.
 */
export function blockAverageConstraint(lowpass: tf.Tensor4D, factor: number): LinearConstraint {
  const [, h, w] = lowpass.shape;
  const up = (t: tf.Tensor4D) => tf.image.resizeNearestNeighbor(t, [h * factor, w * factor]) as tf.Tensor4D;
  return {
    project: (y) => tf.tidy(() => up(tf.avgPool(y, factor, factor, 'valid'))),
    target: up(lowpass),
  };
}

import { InvalidArgumentError, InvalidImageError, type LongWorkOptions, tf } from '@scalespace/core';
import { ascentSample } from './ascent.js';
import type { LinearOperator } from './linear-operators.js';
import { ascentOptions, summarizeRuns } from './sampling-options.js';
import type { Denoiser, SampleResult, SamplerSettings } from './types.js';

export interface InverseProblemOptions extends LongWorkOptions, SamplerSettings {
  seed?: number | string;
  /** Posterior samples drawn per measurement (default 1); their mean is returned too. */
  samples?: number;
}

export interface InverseProblemResult extends Omit<SampleResult, 'images'> {
  /** [N * samples, H, W, C]: sample s of measurement i at i * samples + s, each matching its measurement. */
  samples: tf.Tensor4D;
  /** Per measurement, the mean of its samples [N, H, W, C] (the posterior mean as samples grow). */
  mean: tf.Tensor4D;
  /** 'coarse-to-fine' (Algorithm 2 from the measured low-pass band) or 'constrained ascent' (Algorithm 1). */
  method: 'coarse-to-fine' | 'constrained ascent';
}

/**
 * Solves the linear inverse problem m = A x with the prior implicit in a denoiser (Kadkhodaie & Simoncelli 2021):
 * draws images x with A x = m. A flat model runs Algorithm 1 moving only in the null space of A, started from
 * A^+ m plus noise (or with the operator's `solverProjection` in place of A^+ A). A multi-scale model whose measurement is a low-pass band (block-average super-resolution by
 * 2^k, k <= levels) runs coarse to fine, Algorithm 2 from that band; for other measurements, which couple every
 * scale, it runs the constrained Algorithm 1 with its coarse-to-fine denoiser as the residual.
 */
export async function solveInverseProblem(
  denoiser: Denoiser,
  operator: LinearOperator,
  measurement: tf.Tensor,
  options: InverseProblemOptions = {},
): Promise<InverseProblemResult> {
  const samples = options.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1 || samples > 256)
    throw new InvalidArgumentError(`samples must be an integer from 1 to 256, got ${samples}`);
  const [h, w, c] = operator.imageShape;
  if (c !== denoiser.config.channels) {
    throw new InvalidImageError(
      `the operator measures ${c}-channel images, the model denoises ${denoiser.config.channels}-channel ones`,
    );
  }
  const m = (measurement.rank === 3 ? tf.expandDims(measurement, 0) : measurement) as tf.Tensor4D;
  const want = operator.measurementShape;
  if (m.rank !== 4 || m.shape.slice(1).some((d, i) => d !== want[i])) {
    if (m !== measurement) m.dispose();
    throw new InvalidImageError(
      `${operator.name}: the measurement must be [${want}] (or a batch of them), got [${measurement.shape}]`,
    );
  }
  const started = performance.now();
  const n = m.shape[0];
  const repeated = samples === 1 ? m : (tf.tidy(() => repeatRows(m, samples)) as tf.Tensor4D);
  let drawn: tf.Tensor4D | undefined;
  try {
    const factor = operator.blockAverageFactor;
    const config = denoiser.config;
    const levels = config.kind === 'multiscale' ? config.levels : 0;
    const coarseToFine = factor !== undefined && Number.isInteger(Math.log2(factor)) && factor <= 2 ** levels;
    let result: SampleResult;
    if (coarseToFine) {
      const settings = ascentOptions(options, { seed: options.seed ?? 0 });
      result = await denoiser.superResolve(repeated, { ...settings, factor });
    } else {
      // The operator's own projection when it has one (random pixels: a harmonic fill), else A^+ A.
      const oblique = operator.solverProjection;
      const target = oblique ? await oblique.lift(repeated) : operator.pseudoInverse(repeated);
      const project = oblique ? (y: tf.Tensor4D) => oblique.project(y) : (y: tf.Tensor4D) => operator.project(y);
      try {
        const run = await ascentSample(
          (y) => denoiser.residual(y),
          [n * samples, h, w, c],
          ascentOptions(options, {
            seed: options.seed ?? 0,
            initMean: 0.5,
            phase: 'inverse problem',
            constraint: { project, target },
          }),
        );
        result = summarizeRuns(run.sample, [run], started);
      } finally {
        target.dispose();
      }
    }
    drawn = result.images;
    const mean = tf.tidy(() => tf.mean(tf.reshape(result.images, [n, samples, h, w, c]), 1)) as tf.Tensor4D;
    const { images, ...rest } = result;
    return {
      ...rest,
      seconds: (performance.now() - started) / 1000,
      samples: images,
      mean,
      method: coarseToFine ? 'coarse-to-fine' : 'constrained ascent',
    };
  } catch (error) {
    drawn?.dispose();
    throw error;
  } finally {
    if (repeated !== m) repeated.dispose();
    if (m !== measurement) m.dispose();
  }
}

/** Each row of a batch `times` times in a row: [a, b] -> [a, a, b, b]. */
function repeatRows(x: tf.Tensor4D, times: number): tf.Tensor4D {
  const [n, ...rest] = x.shape;
  return tf.reshape(tf.tile(tf.expandDims(x, 1), [1, times, 1, 1, 1]), [n * times, ...rest]) as tf.Tensor4D;
}

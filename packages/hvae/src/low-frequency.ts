import {
  InvalidArgumentError,
  type LongWorkOptions,
  ProgressTracker,
  rng,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';
import type { OutputMode } from './latents.js';
import { lowResolution } from './low-res.js';
import type { VDVAE } from './vdvae.js';

export interface LowFrequencyOptions extends LongWorkOptions {
  /** Full latent codes drawn from the prior (the paper uses 50). */
  codes?: number;
  /** Images per code and k (the paper uses 5). */
  samples?: number;
  /** Downscaling factors s (default 1, 4, 8; each must divide the image size). */
  factors?: number[];
  /** Numbers of fixed groups k to evaluate (default 0..groups). */
  ks?: number[];
  /** Temperature of the groups that are resampled (default 1). */
  temperature?: number;
  /** Pixels sampled from the output mixture (default, as in the paper) or its mode. */
  output?: OutputMode;
  seed?: number;
}

export interface LowFrequencyResult {
  ks: number[];
  factors: number[];
  /** u[factor][i] = U_{ks[i]}^{factor}: mean RMSE between pairs of downscaled samples sharing z_<k. */
  u: Record<number, number[]>;
  /** Resolution of group k (the first free group), for labelling: resolutions[i] belongs to ks[i]. */
  resolutions: Array<number | null>;
  codes: number;
  samples: number;
}

/**
 * The low-frequency analysis of paper 001 (Appendix A): U_k^s, the average pairwise RMSE between
 * samples of p(x | z_<k) after downscaling by s, estimated from `codes` prior codes with `samples`
 * images each. U_k^s falls with k; the k where the low-resolution curves flatten is where the first k
 * groups fix the low frequencies, which is how CVDVAE's k is chosen.
 */
export async function lowFrequencyAnalysis(
  model: VDVAE,
  options: LowFrequencyOptions = {},
): Promise<LowFrequencyResult> {
  const { codes = 50, samples = 5, factors = [1, 4, 8], temperature = 1, seed = 0, signal } = options;
  const ks = options.ks ?? Array.from({ length: model.groups + 1 }, (_, k) => k);
  const size = model.config.imageSize;
  if (!Number.isInteger(codes) || codes < 1)
    throw new InvalidArgumentError(`codes must be a positive integer, got ${codes}`);
  if (!Number.isInteger(samples) || samples < 2)
    throw new InvalidArgumentError(`samples must be an integer >= 2 (pairs are compared), got ${samples}`);
  for (const s of factors) {
    if (!Number.isInteger(s) || s < 1 || size % s !== 0)
      throw new InvalidArgumentError(`factor ${s} must be a positive integer dividing the image size ${size}`);
  }
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 0 || k > model.groups)
      throw new InvalidArgumentError(`k = ${k} must be an integer in 0..${model.groups}`);
  }
  const sums: Record<number, number[]> = Object.fromEntries(factors.map((s) => [s, ks.map(() => 0)]));
  const r = rng(seed);
  const tracker = new ProgressTracker(codes, { ...(options.onProgress && { onProgress: options.onProgress }) });
  const pairs = (samples * (samples - 1)) / 2;
  const first: number[] = [];
  const second: number[] = [];
  for (let a = 0; a < samples; a++) {
    for (let b = a + 1; b < samples; b++) {
      first.push(a);
      second.push(b);
    }
  }
  for (let c = 0; c < codes; c++) {
    throwIfAborted(signal, 'low-frequency analysis');
    const full = model.decodeLatents(1, { temperature: 1, rng: r.fork(`code${c}`) });
    full.params.dispose();
    for (const [i, k] of ks.entries()) {
      const x = model.sampleGivenLatents(full.latents.slice(0, k), {
        n: samples,
        temperature,
        seed: r.fork(`code${c}`).fork(k).nextUint32(),
        ...(options.output && { output: options.output }),
      });
      for (const s of factors) {
        const distances = tf.tidy(() => {
          const low = s === 1 ? x : lowResolution(x, s);
          const flat = tf.reshape(low, [samples, -1]);
          const a = tf.gather(flat, tf.tensor1d(first, 'int32'));
          const b = tf.gather(flat, tf.tensor1d(second, 'int32'));
          return tf.sum(tf.sqrt(tf.mean(tf.squaredDifference(a, b), 1)));
        });
        const [total] = await distances.data();
        distances.dispose();
        sums[s][i] += total / pairs / codes;
      }
      x.dispose();
    }
    tf.dispose(full.latents);
    tracker.report(c + 1);
    await yieldToEventLoop();
  }
  return {
    ks,
    factors,
    u: sums,
    resolutions: ks.map((k) => (k < model.groups ? model.decoder.dec_blocks[k].base : null)),
    codes,
    samples,
  };
}

/**
 * Picks CVDVAE's k from the analysis: the smallest k whose U_k^s at the low-resolution factor s is within
 * `tolerance` (relative) of the smallest value reached by any allowed k. `maxK` bounds k (the groups the
 * low-resolution encoder can produce).
 */
export function chooseGroups(
  result: LowFrequencyResult,
  options: { factor: number; maxK: number; tolerance?: number },
): number {
  const { factor, maxK, tolerance = 0.1 } = options;
  const curve = result.u[factor];
  if (!curve)
    throw new InvalidArgumentError(`the analysis has no factor ${factor}; it has ${result.factors.join(', ')}`);
  const allowed = result.ks.map((k, i) => [k, curve[i]] as const).filter(([k]) => k >= 1 && k <= maxK);
  if (allowed.length === 0) throw new InvalidArgumentError(`no analysed k lies in 1..${maxK}`);
  const best = Math.min(...allowed.map(([, u]) => u));
  return allowed.find(([, u]) => u <= best * (1 + tolerance))![0];
}

import {
  InvalidArgumentError,
  type LongWorkOptions,
  rng,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';

/** The denoiser residual f(y) = y - D(y): the noise a blind denoiser sees in y. */
export type Residual = (y: tf.Tensor4D) => tf.Tensor4D | Promise<tf.Tensor4D>;

/**
 * A linear measurement x_c = M^T x with orthonormal columns M, for solving linear inverse problems with
 * the prior in a denoiser (Kadkhodaie & Simoncelli 2021): `project(y)` = M M^T y and `target` = M x_c.
 * The ascent then moves only in the null space of M^T and keeps P y = target. `project` may also be an
 * oblique projection P (P P = P, same null space of M^T; e.g. a harmonic fill) with target = P of any
 * image with the measurement.
 */
export interface LinearConstraint {
  project(y: tf.Tensor4D): tf.Tensor4D | Promise<tf.Tensor4D>;
  target: tf.Tensor4D;
}

export interface AscentOptions extends LongWorkOptions {
  /** Seed of the initial noise and of the injected noise. */
  seed?: number | string;
  /** h_0: first step size; h_t = h_0 t / (1 + h_0 (t - 1)) rises towards 1 (default 0.01). */
  h0?: number;
  /** Keep h_t = h_0 at every step (the official code's `fixed_h`, used for its low-pass samples; default false). */
  fixedStep?: boolean;
  /** beta in (0, 1]: the fraction of the effective noise removed per step; 1 injects no noise (default 0.1). */
  beta?: number;
  /** Std of the initial noise y_0 ~ N(initMean, sigma0^2) (default 1). */
  sigma0?: number;
  /**
   * Stop once the effective noise sigma_t = ||f(y)|| / sqrt(N) is at most sigmaL times the standard deviation of
   * the iterate y_t itself (default 0.01): the official code's test, SNR = 20 log10(std(y) / sigma_t) >= 20
   * log10(1 / sigmaL). Relative, so it means the same for an image and for its small detail bands; an absolute
   * threshold would stop a detail band (std ~0.02) while its noise is still half its size.
   */
  sigmaL?: number;
  /** Mean of the initial noise: 0.5 for images in [0, 1], 0 for wavelet detail bands (default 0.5). */
  initMean?: number;
  /** Give up after this many steps (default 5000); the result then says converged: false. */
  maxSteps?: number;
  /**
   * Stop a sample whose sigma_t is within 5 times its stopping threshold but fell less than 10% over this many
   * steps (default 10; 0 turns it off). An imperfect denoiser leaves a residual floor on clean images, a fixed
   * fraction of the image (a bias-free denoiser is homogeneous), which no number of steps gets under the
   * threshold; ascending on only shrinks the image towards 0. Not in the paper's algorithm.
   */
  stallWindow?: number;
  /** Start from this tensor instead of drawing y_0 (the sigma0 and initMean options are then unused). */
  init?: tf.Tensor4D;
  /** A linear measurement the result must match (super-resolution, deblurring, ...). */
  constraint?: LinearConstraint;
  /** Label for progress events. */
  phase?: string;
}

export interface AscentResult {
  /** D(y) at the step each sample stopped: the sample, the same shape as asked for. */
  sample: tf.Tensor4D;
  /** Iterations taken (the slowest sample). */
  steps: number;
  /** Residual (network) evaluations, one per iteration for the whole batch. */
  evaluations: number;
  /** Effective noise sigma_t of each iteration, averaged over the batch. */
  sigmas: number[];
  /** Whether every sample reached sigmaL before maxSteps (none stopped by the stall rule). */
  converged: boolean;
  /** Samples stopped by the stall rule (sigma_t stuck above sigmaL). */
  stalled: number;
}

interface Resolved {
  h0: number;
  fixedStep: boolean;
  beta: number;
  sigma0: number;
  sigmaL: number;
  initMean: number;
  maxSteps: number;
  stallWindow: number;
}

function resolve(options: AscentOptions): Resolved {
  const { h0 = 0.01, beta = 0.1, sigma0 = 1, sigmaL = 0.01, initMean = 0.5, maxSteps = 5000 } = options;
  const { stallWindow = 10, fixedStep = false } = options;
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new InvalidArgumentError(`ascent sampler: ${message}`);
  };
  check(h0 > 0 && h0 <= 1, `h0 must be in (0, 1], got ${h0}`);
  check(beta > 0 && beta <= 1, `beta must be in (0, 1] (1 = no injected noise), got ${beta}`);
  check(sigma0 > 0 && Number.isFinite(sigma0), `sigma0 must be > 0, got ${sigma0}`);
  check(sigmaL > 0 && sigmaL < sigma0, `sigmaL must be in (0, sigma0 = ${sigma0}), got ${sigmaL}`);
  check(Number.isFinite(initMean), `initMean must be a finite number, got ${initMean}`);
  check(Number.isInteger(maxSteps) && maxSteps >= 1, `maxSteps must be a positive integer, got ${maxSteps}`);
  check(Number.isInteger(stallWindow) && stallWindow >= 0, `stallWindow must be an integer >= 0, got ${stallWindow}`);
  check(typeof fixedStep === 'boolean', `fixedStep must be true or false, got ${fixedStep}`);
  return { h0, fixedStep, beta, sigma0, sigmaL, initMean, maxSteps, stallWindow };
}

/** Step size h_t of Algorithm 1 (h0 at every step with `fixed`). */
export function ascentStepSize(h0: number, t: number, fixed = false): number {
  return fixed ? h0 : (h0 * t) / (1 + h0 * (t - 1));
}

/** Steps after step t until sigma falls to `target` if it shrinks as designed, by (1 - beta h) a step. */
function stepsToReach(sigma: number, target: number, t: number, r: Pick<Resolved, 'h0' | 'beta' | 'fixedStep'>) {
  let steps = 0;
  while (sigma > target && steps < 100_000) {
    steps += 1;
    sigma *= 1 - r.beta * ascentStepSize(r.h0, t + steps, r.fixedStep);
  }
  return steps;
}

/**
 * y_0: noise around initMean, or with a constraint, around the image whose measured part is the target and
 * whose rest is initMean (as the official code starts). The measured part then loses its noise at the pace of
 * the rest, so the denoiser always sees noise of one level over the whole image, as in training; starting it
 * clean leaves the measured pixels of a mask standing out of a smoother fill at the end. Takes `noise`.
 */
async function initialIterate(
  shape: [number, number, number, number],
  initMean: number,
  noise: tf.Tensor4D,
  constraint?: LinearConstraint,
): Promise<tf.Tensor4D> {
  if (!constraint) {
    const y = tf.add(noise, initMean) as tf.Tensor4D;
    noise.dispose();
    return y;
  }
  const mean = tf.fill(shape, initMean) as tf.Tensor4D;
  try {
    const measured = await constraint.project(mean);
    const y = tf.tidy(() => tf.add(tf.add(tf.sub(mean, measured), constraint.target), noise)) as tf.Tensor4D;
    measured.dispose();
    return y;
  } finally {
    tf.dispose([mean, noise]);
  }
}

/** d = (I - P) f(y) + (P y - target): the residual in the null space, and the pull back onto the measurement. */
async function constrainedDirection(f: tf.Tensor4D, y: tf.Tensor4D, c: LinearConstraint): Promise<tf.Tensor4D> {
  const pf = await c.project(f);
  try {
    const py = await c.project(y);
    const d = tf.tidy(() => tf.add(tf.sub(f, pf), tf.sub(py, c.target))) as tf.Tensor4D;
    py.dispose();
    return d;
  } finally {
    pf.dispose();
  }
}

/**
 * Iterations Algorithm 1 takes if the effective noise shrinks as designed, sigma_t = (1 - beta h_t)
 * sigma_{t-1}, from sigma0 until it is sigmaL times `signalStd`, the std the sample ends with (default sigma0,
 * the std of y_0): the expected length, used for progress (re-estimated every step from the iterate's std).
 */
export function predictAscentSteps(
  options: Pick<AscentOptions, 'h0' | 'beta' | 'sigma0' | 'sigmaL' | 'fixedStep'> = {},
  signalStd?: number,
): number {
  const r = resolve(options);
  return 1 + stepsToReach(r.sigma0, r.sigmaL * (signalStd ?? r.sigma0), 1, r);
}

/**
 * Algorithm 1 of Kadkhodaie et al. (2023) (from Kadkhodaie & Simoncelli 2021): sampling by ascent of
 * the log-likelihood, whose gradient at noise level sigma is -f(y) / sigma^2 for the residual f of an
 * MMSE denoiser. From y_0 ~ N(initMean, sigma0^2 I), for t = 1, 2, ...:
 *   h_t = h0 t / (1 + h0 (t - 1)); d = f(y); sigma_t = ||d|| / sqrt(N);
 *   gamma_t = sigma_t sqrt((1 - beta h_t)^2 - (1 - h_t)^2); y <- y - h_t d + gamma_t z
 * until sigma_t <= sigmaL std(y_t) (the official code's relative stopping rule); the result is y - d, the
 * denoised last iterate. Each sample in the batch has its own sigma_t and stops on its own. With a
 * `constraint`, d = (I - P) f(y) + (P y - target).
 */
export async function ascentSample(
  residual: Residual,
  shape: [number, number, number, number],
  options: AscentOptions = {},
): Promise<AscentResult> {
  const resolved = resolve(options);
  const { beta, sigma0, sigmaL, initMean, maxSteps, stallWindow } = resolved;
  if (!(shape.length === 4 && shape.every((d) => Number.isInteger(d) && d > 0))) {
    throw new InvalidArgumentError(`ascent sampler: shape must be [N, H, W, C] of positive integers, got [${shape}]`);
  }
  const { init, constraint, signal, phase } = options;
  if (init?.shape.some((d, i) => d !== shape[i])) {
    throw new InvalidArgumentError(`ascent sampler: init has shape [${init.shape}], expected [${shape}]`);
  }
  if (constraint?.target.shape.some((d, i) => d !== shape[i])) {
    throw new InvalidArgumentError(
      `ascent sampler: constraint target has shape [${constraint.target.shape}], expected [${shape}]`,
    );
  }
  const r = rng(options.seed ?? 0);
  const [n] = shape;
  const perSample = shape[1] * shape[2] * shape[3];
  let predicted = predictAscentSteps(resolved);
  const started = performance.now();
  const report = (step: number, total: number, metrics?: Record<string, number>) => {
    const elapsed = (performance.now() - started) / 1000;
    options.onProgress?.({
      step,
      total,
      etaSeconds: step > 0 ? (elapsed / step) * (total - step) : Number.NaN,
      ...(metrics && { metrics }),
      ...(phase && { phase }),
    });
  };

  let y: tf.Tensor4D = init
    ? (init.clone() as tf.Tensor4D)
    : await initialIterate(
        shape,
        initMean,
        tf.tidy(() => r.normalTensor(shape, { std: sigma0 }) as tf.Tensor4D),
        constraint,
      );
  const result: Array<tf.Tensor | null> = new Array(n).fill(null);
  const active = new Array<boolean>(n).fill(true);
  const history: number[][] = Array.from({ length: n }, () => []);
  let stalled = 0;
  const sigmas: number[] = [];
  let t = 0;
  try {
    while (active.some(Boolean) && t < maxSteps) {
      throwIfAborted(signal, phase ?? 'sampling');
      t += 1;
      const h = ascentStepSize(resolved.h0, t, resolved.fixedStep);
      const f = await residual(y);
      const d = constraint ? await constrainedDirection(f, y, constraint) : f;
      if (d !== f) f.dispose();
      // Per sample: sigma_t and the std of y_t (the stopping rule's scale), read in one transfer.
      const stats = tf.tidy(() => {
        const rms = tf.sqrt(tf.div(tf.sum(tf.square(d), [1, 2, 3]), perSample));
        const { variance } = tf.moments(y, [1, 2, 3]);
        return tf.concat([rms, tf.sqrt(variance)]);
      });
      const values = await stats.data();
      stats.dispose();
      const sigma = Array.from(values.subarray(0, n));
      const threshold = Array.from(values.subarray(n), (std) => sigmaL * std);
      sigmas.push(sigma.reduce((s, v) => s + v, 0) / n);
      const gamma = new Float32Array(n);
      const stepMask = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        history[i].push(sigma[i]);
        const past = history[i][history[i].length - 1 - stallWindow];
        const stuck = stallWindow > 0 && past !== undefined && sigma[i] <= 5 * threshold[i] && sigma[i] > 0.9 * past;
        if (sigma[i] <= threshold[i] || stuck) {
          if (sigma[i] > threshold[i]) stalled += 1;
          active[i] = false;
          result[i] = tf.tidy(() => tf.sub(tf.slice(y, [i], [1]), tf.slice(d, [i], [1])));
          continue;
        }
        stepMask[i] = h;
        gamma[i] = sigma[i] * Math.sqrt(Math.max(0, (1 - beta * h) ** 2 - (1 - h) ** 2));
      }
      if (active.some(Boolean) && t < maxSteps) {
        const next = tf.tidy(() => {
          const hs = tf.tensor4d(stepMask, [n, 1, 1, 1]);
          const gs = tf.tensor4d(gamma, [n, 1, 1, 1]);
          const z = beta < 1 ? tf.mul(r.normalTensor(shape), gs) : tf.zeros(shape);
          return tf.add(tf.sub(y, tf.mul(d, hs)), z) as tf.Tensor4D;
        });
        y.dispose();
        y = next;
      } else {
        // Out of steps: the still-active samples end as D(y) of their last iterate.
        for (let i = 0; i < n; i++) {
          if (active[i]) result[i] = tf.tidy(() => tf.sub(tf.slice(y, [i], [1]), tf.slice(d, [i], [1])));
        }
      }
      d.dispose();
      // Re-estimate the length from the slowest active sample's distance to its threshold.
      const remaining = sigma.map((v, i) => (active[i] ? stepsToReach(v, threshold[i], t, resolved) : 0));
      predicted = Math.min(maxSteps, t + Math.max(1, ...remaining));
      report(t, Math.max(predicted, t + 1), { sigma: sigmas[sigmas.length - 1] });
      await yieldToEventLoop();
    }
    const parts = result as tf.Tensor[];
    const sample = (parts.length === 1 ? parts[0].clone() : tf.concat(parts, 0)) as tf.Tensor4D;
    report(t, t);
    return { sample, steps: t, evaluations: t, sigmas, converged: active.every((a) => !a) && stalled === 0, stalled };
  } finally {
    y.dispose();
    tf.dispose(result.filter((x): x is tf.Tensor => x !== null));
  }
}

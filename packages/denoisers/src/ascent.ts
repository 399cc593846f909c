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
 * The ascent then moves only in the null space of M^T and keeps P y = target.
 */
export interface LinearConstraint {
  project(y: tf.Tensor4D): tf.Tensor4D;
  target: tf.Tensor4D;
}

export interface AscentOptions extends LongWorkOptions {
  /** Seed of the initial noise and of the injected noise. */
  seed?: number | string;
  /** h_0: first step size; h_t = h_0 t / (1 + h_0 (t - 1)) rises towards 1 (default 0.01). */
  h0?: number;
  /** beta in (0, 1]: the fraction of the effective noise removed per step; 1 injects no noise (default 0.1). */
  beta?: number;
  /** Std of the initial noise y_0 ~ N(initMean, sigma0^2) (default 1). */
  sigma0?: number;
  /** Stop once the effective noise sigma_t = ||f(y)|| / sqrt(N) is at most sigmaL (default 0.01). */
  sigmaL?: number;
  /** Mean of the initial noise: 0.5 for images in [0, 1], 0 for wavelet detail bands (default 0.5). */
  initMean?: number;
  /** Give up after this many steps (default 5000); the result then says converged: false. */
  maxSteps?: number;
  /**
   * Stop a sample whose sigma_t is within 5 sigmaL but fell less than 10% over this many steps (default 10;
   * 0 turns it off). An imperfect denoiser leaves a residual floor on clean images; ascending on past it
   * only shrinks the image towards 0 (a bias-free denoiser is homogeneous). Not in the paper's algorithm.
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
  beta: number;
  sigma0: number;
  sigmaL: number;
  initMean: number;
  maxSteps: number;
  stallWindow: number;
}

function resolve(options: AscentOptions): Resolved {
  const { h0 = 0.01, beta = 0.1, sigma0 = 1, sigmaL = 0.01, initMean = 0.5, maxSteps = 5000 } = options;
  const { stallWindow = 10 } = options;
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
  return { h0, beta, sigma0, sigmaL, initMean, maxSteps, stallWindow };
}

/** Step size h_t of Algorithm 1. */
export function ascentStepSize(h0: number, t: number): number {
  return (h0 * t) / (1 + h0 * (t - 1));
}

/**
 * Iterations Algorithm 1 takes if the effective noise shrinks as designed, sigma_t = (1 - beta h_t)
 * sigma_{t-1}, from sigma0 to sigmaL: the expected length, used for progress.
 */
export function predictAscentSteps(options: Pick<AscentOptions, 'h0' | 'beta' | 'sigma0' | 'sigmaL'> = {}): number {
  const { h0, beta, sigma0, sigmaL } = resolve(options);
  let sigma = sigma0;
  let t = 1;
  while (sigma > sigmaL && t < 100_000) {
    t += 1;
    sigma *= 1 - beta * ascentStepSize(h0, t);
  }
  return t;
}

/**
 * Algorithm 1 of Kadkhodaie et al. (2023) (from Kadkhodaie & Simoncelli 2021): sampling by ascent of
 * the log-likelihood, whose gradient at noise level sigma is -f(y) / sigma^2 for the residual f of an
 * MMSE denoiser. From y_0 ~ N(initMean, sigma0^2 I), for t = 1, 2, ...:
 *   h_t = h0 t / (1 + h0 (t - 1)); d = f(y); sigma_t = ||d|| / sqrt(N);
 *   gamma_t = sigma_t sqrt((1 - beta h_t)^2 - (1 - h_t)^2); y <- y - h_t d + gamma_t z
 * until sigma_t <= sigmaL; the result is y - d, the denoised last iterate. Each sample in the batch has
 * its own sigma_t and stops on its own. With a `constraint`, d = (I - P) f(y) + (P y - target).
 */
export async function ascentSample(
  residual: Residual,
  shape: [number, number, number, number],
  options: AscentOptions = {},
): Promise<AscentResult> {
  const { h0, beta, sigma0, sigmaL, initMean, maxSteps, stallWindow } = resolve(options);
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
  const predicted = predictAscentSteps({ h0, beta, sigma0, sigmaL });
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
    : (tf.tidy(() => {
        let y0 = tf.add(r.normalTensor(shape, { std: sigma0 }), initMean);
        // Start on the constraint: the measured part from the target, the rest random.
        if (constraint) y0 = tf.add(tf.sub(y0, constraint.project(y0 as tf.Tensor4D)), constraint.target);
        return y0;
      }) as tf.Tensor4D);
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
      const h = ascentStepSize(h0, t);
      const f = await residual(y);
      const d = constraint
        ? (tf.tidy(() =>
            tf.add(tf.sub(f, constraint.project(f)), tf.sub(constraint.project(y), constraint.target)),
          ) as tf.Tensor4D)
        : f;
      if (d !== f) f.dispose();
      const sigmaTensor = tf.tidy(() => tf.sqrt(tf.div(tf.sum(tf.square(d), [1, 2, 3]), perSample)));
      const sigma = Array.from(await sigmaTensor.data());
      sigmaTensor.dispose();
      sigmas.push(sigma.reduce((s, v) => s + v, 0) / n);
      const gamma = new Float32Array(n);
      const stepMask = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        if (!active[i]) continue;
        history[i].push(sigma[i]);
        const past = history[i][history[i].length - 1 - stallWindow];
        const stuck = stallWindow > 0 && past !== undefined && sigma[i] <= 5 * sigmaL && sigma[i] > 0.9 * past;
        if (sigma[i] <= sigmaL || stuck) {
          if (sigma[i] > sigmaL) stalled += 1;
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

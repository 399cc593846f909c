import { InvalidArgumentError } from './errors.js';
import { tf } from './tf.js';

// Optimisation pieces the trainers share: Adam/AdamW with a learning-rate schedule and a state dict
// (so `--resume` continues exactly), global-norm clipping with VD-VAE's gradient skipping, and an
// exponential moving average of weights (Polyak averaging).

export type Schedule = number | ((step: number) => number);

/** lr * decay^step (PixelPyramids decays by 0.999995 a step). */
export function exponentialDecay(lr: number, decay: number): (step: number) => number {
  return (step) => lr * decay ** step;
}

/** Linear warm-up over `steps`, then constant (VD-VAE). */
export function linearWarmup(lr: number, steps: number): (step: number) => number {
  return (step) => lr * Math.min(1, (step + 1) / Math.max(1, steps));
}

export interface AdamOptions {
  lr: Schedule;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW); 0 = plain Adam. */
  weightDecay?: number;
}

/**
 * Adam / AdamW over a fixed list of variables. `step(grads)` takes gradients in the same order
 * (as `tf.variableGrads` or `tf.grads` give them). Its moments and step count are a state dict, so a
 * resumed run continues bit for bit.
 */
export class Adam {
  readonly variables: tf.Variable[];
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  #step = 0;
  readonly #options: Required<AdamOptions>;

  constructor(variables: tf.Variable[], options: AdamOptions) {
    const { lr, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = options;
    if (typeof lr === 'number' && !(lr > 0)) throw new InvalidArgumentError(`Adam: lr must be > 0, got ${lr}`);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new InvalidArgumentError(`Adam: betas must be in [0, 1), got ${beta1}, ${beta2}`);
    }
    this.variables = variables;
    this.#options = { lr, beta1, beta2, epsilon, weightDecay };
    this.#m = variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    this.#v = variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.#step;
  }

  /** The learning rate the next step will use. */
  get learningRate(): number {
    const { lr } = this.#options;
    return typeof lr === 'number' ? lr : lr(this.#step);
  }

  /** Applies one update. `grads[i]` belongs to `variables[i]`; a null gradient leaves its variable alone. */
  step(grads: Array<tf.Tensor | null>): void {
    if (grads.length !== this.variables.length) {
      throw new InvalidArgumentError(`Adam.step: got ${grads.length} gradients for ${this.variables.length} variables`);
    }
    const { beta1, beta2, epsilon, weightDecay } = this.#options;
    const lr = this.learningRate;
    this.#step += 1;
    const t = this.#step;
    const correction1 = 1 - beta1 ** t;
    const correction2 = 1 - beta2 ** t;
    tf.tidy(() => {
      grads.forEach((g, i) => {
        if (!g) return;
        const variable = this.variables[i];
        const m = tf.add(tf.mul(this.#m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.#v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.#m[i].assign(m);
        this.#v[i].assign(v);
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        let next = tf.sub(variable, tf.mul(update, lr));
        if (weightDecay > 0) next = tf.sub(next, tf.mul(variable, lr * weightDecay));
        variable.assign(next);
      });
    });
  }

  /** Moments and step count, for checkpoints. */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.#m.forEach((m, i) => {
      out[`m.${i}`] = m;
      out[`v.${i}`] = this.#v[i];
    });
    return out;
  }

  /** Restores moments and the step count saved by `stateDict()` / `iterations`. */
  loadStateDict(state: Record<string, tf.Tensor>, iterations: number): void {
    this.#m.forEach((m, i) => {
      const ms = state[`m.${i}`];
      const vs = state[`v.${i}`];
      if (!ms || !vs) throw new InvalidArgumentError(`Adam.loadStateDict: missing moments for variable ${i}`);
      m.assign(ms);
      this.#v[i].assign(vs);
    });
    this.#step = iterations;
  }

  dispose(): void {
    tf.dispose([...this.#m, ...this.#v]);
  }
}

/** The global L2 norm of a list of gradients (read asynchronously, as every backend allows). */
export async function globalNorm(grads: Array<tf.Tensor | null>): Promise<number> {
  const present = grads.filter((g): g is tf.Tensor => g !== null);
  if (present.length === 0) return 0;
  const total = tf.tidy(() => tf.addN(present.map((g) => tf.sum(tf.square(g)))));
  const [value] = await total.data();
  total.dispose();
  return Math.sqrt(value);
}

export interface ClipResult {
  /** Gradients scaled so their global norm is at most maxNorm (new tensors; dispose them). */
  grads: Array<tf.Tensor | null>;
  /** The norm before clipping. */
  norm: number;
  /** True when the norm is NaN/infinite or above `skipAbove`: the caller should skip this update. */
  skip: boolean;
}

/**
 * Clips gradients to a global norm, and flags the step for skipping when the norm is not finite or
 * above `skipAbove` (VD-VAE's "gradient skipping", which keeps rare huge updates from wrecking training).
 */
export async function clipByGlobalNorm(
  grads: Array<tf.Tensor | null>,
  maxNorm: number,
  skipAbove = Number.POSITIVE_INFINITY,
): Promise<ClipResult> {
  if (!(maxNorm > 0)) throw new InvalidArgumentError(`clipByGlobalNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = await globalNorm(grads);
  const skip = !Number.isFinite(norm) || norm > skipAbove;
  const scale = norm > maxNorm ? maxNorm / norm : 1;
  return { grads: grads.map((g) => (g ? tf.mul(g, scale) : null)), norm, skip };
}

/**
 * Exponential moving average of weights: shadow = decay * shadow + (1 - decay) * weight after each
 * update. Evaluate or sample with the shadow weights via `swap()` (call it again to swap back).
 */
export class Ema {
  readonly decay: number;
  readonly #targets: tf.Variable[];
  readonly #shadow: tf.Variable[];
  readonly #warmup: boolean;
  #updates = 0;

  /**
   * With `warmup`, the decay of update t is min(decay, (1 + t) / (10 + t)) (TensorFlow's num_updates rule),
   * so a short run's average is not dominated by the initial weights.
   */
  constructor(variables: tf.Variable[], decay: number, options: { warmup?: boolean } = {}) {
    if (!(decay > 0 && decay < 1)) throw new InvalidArgumentError(`Ema: decay must be in (0, 1), got ${decay}`);
    this.decay = decay;
    this.#warmup = options.warmup ?? false;
    this.#targets = variables;
    this.#shadow = variables.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  }

  /** Updates completed so far (restore it with `loadAverages` when resuming). */
  get updates(): number {
    return this.#updates;
  }

  update(): void {
    const t = this.#updates;
    const decay = this.#warmup ? Math.min(this.decay, (1 + t) / (10 + t)) : this.decay;
    this.#updates += 1;
    tf.tidy(() => {
      this.#targets.forEach((v, i) => {
        this.#shadow[i].assign(tf.add(tf.mul(this.#shadow[i], decay), tf.mul(v, 1 - decay)));
      });
    });
  }

  /** Exchanges live and averaged weights. */
  swap(): void {
    tf.tidy(() => {
      this.#targets.forEach((v, i) => {
        const live = v.clone();
        v.assign(this.#shadow[i]);
        this.#shadow[i].assign(live);
      });
    });
  }

  /** The averaged weights, in the same order as the variables. */
  averages(): tf.Variable[] {
    return this.#shadow;
  }

  /** Restores averages (and, for warm-up, the number of updates they reflect) when resuming. */
  loadAverages(values: tf.Tensor[], updates = this.#updates): void {
    if (values.length !== this.#shadow.length)
      throw new InvalidArgumentError(
        `Ema.loadAverages: got ${values.length} tensors for ${this.#shadow.length} variables`,
      );
    for (const [i, t] of values.entries()) this.#shadow[i].assign(t);
    this.#updates = updates;
  }

  dispose(): void {
    tf.dispose(this.#shadow);
  }
}

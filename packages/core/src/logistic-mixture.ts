import { InvalidArgumentError } from './errors.js';
import type { Rng } from './rng.js';
import { tf } from './tf.js';

// The discretized logistic mixture of PixelCNN++ (Salimans et al. 2017), shared by the
// autoregressive models and the VD-VAE decoder. Values are integers k in 0..n-1 (n = 2^bits), seen
// on the [-1, 1] scale as x = 2k/(n-1) - 1, each owning a bin of half-width 1/(n-1). The two edge
// bins extend to -inf and +inf, so the n probabilities sum to one exactly.
//
// Channel coupling: with C channels, channel c's mean in component j is
//   mu[j, c] + sum_{c' < c} coeff[j, c, c'] * x[c']
// (tanh-squashed coefficients), so p(pixel) = sum_j pi_j prod_c p(x_c | x_<c, j), a joint over channels.
//
// Parameter layout along the last axis, for K components and C channels:
//   [ logits (K) | means (C*K) | log-scales (C*K) | coefficients (C(C-1)/2 * K) ]
// with the channel-major blocks ordered [c0: K values][c1: K values]... and coefficients ordered
// (1,0), (2,0), (2,1), ... as PixelCNN++ does for RGB.

export interface LogisticMixtureOptions {
  /** Bits per value (1..16); n = 2^bits values. */
  bits: number;
  /** Mixture components K. */
  components: number;
  /** Channels C coupled within a pixel. */
  channels: number;
  /**
   * Distance between neighbouring values on the [-1, 1] scale: value k sits at -1 + k * spacing. Default
   * 2 / (n - 1), the values tiling [-1, 1]. A smaller spacing leaves the top values below 1, as VD-VAE's 5-bit
   * FFHQ-256 targets are (5-bit values at their 8-bit positions, spacing 16/255); its top bin is then closed
   * like the middle ones, as in the official loss. Bins keep the half-width 1 / (n - 1).
   */
  spacing?: number;
}

/** Log-scales are clamped below at this value, as in PixelCNN++. */
export const MIN_LOG_SCALE = -7;

/** Parameters per pixel for a mixture of `components` over `channels` channels. */
export function logisticMixtureParamCount(channels: number, components: number): number {
  return components * (1 + 2 * channels + (channels * (channels - 1)) / 2);
}

/** Checks the options; returns the spacing of the values on [-1, 1]. */
function validate({ bits, components, channels, spacing }: LogisticMixtureOptions): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16)
    throw new InvalidArgumentError(`bits must be an integer in 1..16, got ${bits}`);
  if (!Number.isInteger(components) || components < 1)
    throw new InvalidArgumentError(`components must be a positive integer, got ${components}`);
  if (!Number.isInteger(channels) || channels < 1)
    throw new InvalidArgumentError(`channels must be a positive integer, got ${channels}`);
  const n = 2 ** bits;
  if (spacing === undefined) return 2 / (n - 1);
  if (!(spacing > 0) || (n - 1) * spacing > 2 + 1e-9)
    throw new InvalidArgumentError(
      `spacing must be > 0 and keep the ${n} values within [-1, 1] (at most ${2 / (n - 1)}), got ${spacing}`,
    );
  return spacing;
}

interface Split {
  logits: tf.Tensor; // [..., K]
  means: tf.Tensor; // [..., C, K]
  logScales: tf.Tensor; // [..., C, K]
  coeffs: tf.Tensor | null; // [..., C(C-1)/2, K]
}

function split(params: tf.Tensor, { components: k, channels: c }: LogisticMixtureOptions): Split {
  const expected = logisticMixtureParamCount(c, k);
  const last = params.shape[params.rank - 1];
  if (last !== expected) {
    throw new InvalidArgumentError(
      `logistic mixture parameters: last axis is ${last}, expected ${expected} for ${k} components over ${c} channels`,
    );
  }
  const lead = params.shape.slice(0, -1);
  const pairs = (c * (c - 1)) / 2;
  const sizes = [k, c * k, c * k, ...(pairs > 0 ? [pairs * k] : [])];
  const parts = tf.split(params, sizes, -1);
  return {
    logits: parts[0],
    means: tf.reshape(parts[1], [...lead, c, k]),
    logScales: tf.maximum(tf.reshape(parts[2], [...lead, c, k]), MIN_LOG_SCALE),
    coeffs: pairs > 0 ? tf.tanh(tf.reshape(parts[3], [...lead, pairs, k])) : null,
  };
}

/** Means per channel after coupling to the (scaled) values of the earlier channels: [..., C, K]. */
function coupledMeans(s: Split, x: tf.Tensor, channels: number): tf.Tensor {
  if (!s.coeffs || channels === 1) return s.means;
  const rows: tf.Tensor[] = [];
  const means = tf.unstack(s.means, s.means.rank - 2);
  const coeffs = tf.unstack(s.coeffs, s.coeffs.rank - 2);
  const xs = tf.unstack(x, x.rank - 1).map((v) => tf.expandDims(v, -1)); // [..., 1] each
  let pair = 0;
  for (let c = 0; c < channels; c++) {
    let m = means[c];
    for (let prev = 0; prev < c; prev++) m = tf.add(m, tf.mul(coeffs[pair++], xs[prev]));
    rows.push(m);
  }
  return tf.stack(rows, s.means.rank - 2);
}

/**
 * log sigmoid(x) = -softplus(-x). (tf.logSigmoid's custom gradient closes over its input instead of
 * saving it, so it breaks when the input is an intermediate of a tidy inside tf.grad.)
 */
function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/**
 * log(sigmoid(b) - sigmoid(a)) for a < b, given the width b - a separately so nothing cancels:
 * sigmoid(b) - sigmoid(a) = sigmoid(b) * sigmoid(-a) * (1 - exp(a - b)).
 */
function logSigmoidDifference(a: tf.Tensor, b: tf.Tensor, width: tf.Tensor): tf.Tensor {
  return tf.add(tf.add(logSigmoid(b), logSigmoid(tf.neg(a))), tf.log(tf.neg(tf.expm1(tf.neg(width)))));
}

/**
 * Log-probability (nats) of integer values `x` [..., C] (0..2^bits-1, int32 or float holding integers)
 * under the mixture with parameters `params` [..., P]. Returns [...] (one value per pixel, the joint
 * over its channels). Differentiable with respect to `params`.
 */
export function logisticMixtureLogProb(params: tf.Tensor, x: tf.Tensor, options: LogisticMixtureOptions): tf.Tensor {
  const spacing = validate(options);
  const { bits, channels } = options;
  if (x.shape[x.rank - 1] !== channels || x.rank !== params.rank) {
    throw new InvalidArgumentError(
      `logistic mixture: values [${x.shape.join(', ')}] do not match parameters [${params.shape.join(', ')}] with ${channels} channels`,
    );
  }
  const n = 2 ** bits;
  return tf.tidy(() => {
    const s = split(params, options);
    const k = tf.cast(x, 'float32');
    const scaled = tf.sub(tf.mul(k, spacing), 1); // [..., C] on [-1, 1]
    const mu = coupledMeans(s, scaled, channels); // [..., C, K]
    const centred = tf.sub(tf.expandDims(scaled, -1), mu);
    const invScale = tf.exp(tf.neg(s.logScales));
    const plus = tf.mul(invScale, tf.add(centred, 1 / (n - 1)));
    const minus = tf.mul(invScale, tf.sub(centred, 1 / (n - 1)));
    const kk = tf.expandDims(k, -1);
    // Edge bins reach to infinity: log sigmoid(plus) at k = 0, log(1 - sigmoid(minus)) at k = n-1 when that value
    // sits at 1 (the official VD-VAE loss's test: above 0.999).
    const lowEdge = logSigmoid(plus);
    const middle = logSigmoidDifference(minus, plus, tf.mul(invScale, 2 / (n - 1)));
    const topOpen = (n - 1) * spacing - 1 > 0.999;
    const upper = topOpen ? tf.where(tf.greaterEqual(kk, n - 1), logSigmoid(tf.neg(minus)), middle) : middle;
    const perChannel = tf.where(tf.lessEqual(kk, 0), lowEdge, upper); // [..., C, K]
    const perComponent = tf.add(tf.sum(perChannel, -2), tf.logSoftmax(s.logits, -1)); // [..., K]
    return tf.logSumExp(perComponent, -1);
  });
}

export interface LogisticMixtureSampleOptions extends LogisticMixtureOptions {
  /** Scales every component's scale and flattens the mixture weights (logits / t). 1 = exact. */
  temperature?: number;
  rng: Rng;
}

/**
 * Draws integer values [..., C] (int32) from the mixture with parameters [..., P]. The component is
 * chosen once per pixel; channels are drawn in order, each mean coupled to the earlier draws.
 */
export function logisticMixtureSample(params: tf.Tensor, options: LogisticMixtureSampleOptions): tf.Tensor {
  const spacing = validate(options);
  const { bits, channels, components, rng } = options;
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new InvalidArgumentError(`temperature must be > 0, got ${temperature}`);
  const n = 2 ** bits;
  return tf.tidy(() => {
    const s = split(params, options);
    const lead = params.shape.slice(0, -1);
    const count = lead.reduce((a, b) => a * b, 1);
    // Gumbel-max choice of the component.
    const gumbel = tf.neg(
      tf.log(tf.neg(tf.log(rng.uniformTensor([...lead, components], { min: 1e-7, max: 1 - 1e-7 })))),
    );
    const winner = tf.reshape(tf.argMax(tf.add(tf.div(s.logits, temperature), gumbel), -1), [count]);
    const choice = components === 1 ? tf.ones([count, 1]) : tf.oneHot(winner, components);
    const pick = (t: tf.Tensor) => tf.sum(tf.mul(tf.reshape(t, [count, -1, components]), tf.expandDims(choice, 1)), -1); // [count, rows]
    const means = pick(s.means); // [count, C]
    const scales = tf.mul(tf.exp(pick(s.logScales)), temperature);
    const coeffs = s.coeffs ? pick(s.coeffs) : null;
    const u = rng.uniformTensor([count, channels], { min: 1e-5, max: 1 - 1e-5 });
    const noise = tf.mul(scales, tf.sub(tf.log(u), tf.log(tf.sub(1, u)))); // logistic(0, scale)
    const meanCols = tf.unstack(means, 1);
    const noiseCols = tf.unstack(noise, 1);
    const coeffCols = coeffs ? tf.unstack(coeffs, 1) : [];
    const drawn: tf.Tensor[] = [];
    let pair = 0;
    for (let c = 0; c < channels; c++) {
      let m = meanCols[c];
      for (let prev = 0; prev < c; prev++) m = tf.add(m, tf.mul(coeffCols[pair++], drawn[prev]));
      // Round to the nearest bin centre on the [-1, 1] scale.
      const value = tf.clipByValue(tf.add(m, noiseCols[c]), -1, 1);
      const k = tf.clipByValue(tf.round(tf.mul(tf.add(value, 1), 1 / spacing)), 0, n - 1);
      drawn.push(tf.sub(tf.mul(k, spacing), 1));
    }
    const scaled = tf.stack(drawn, 1); // [count, C] on [-1, 1]
    const ints = tf.round(tf.mul(tf.add(scaled, 1), 1 / spacing));
    return tf.cast(tf.reshape(ints, [...lead, channels]), 'int32');
  });
}

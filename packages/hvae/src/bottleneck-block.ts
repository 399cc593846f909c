import { Conv2d, Module, type Rng, tf } from '@scalespace/core';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * The block's nonlinearity: 'gelu' is the exact x * Phi(x) of PyTorch's `F.gelu` (what official
 * checkpoints need); 'gelu-sigmoid' is x * sigmoid(1.702 x), within 0.021 of it and faster on
 * wasm, whose erf and exp kernels are slow (`pnpm bench hvae`).
 */
export type Activation = 'gelu' | 'gelu-sigmoid';

// x * Phi(x); forward keeps Phi(x) and x * phi(x) so the gradient Phi(x) + x * phi(x) costs two kernels.
const geluExact = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const [cdf, slope] = tf.tidy(() => {
    const c = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
    const d = tf.add(c, tf.mul(x, tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI)));
    return [c, d];
  });
  save([slope]);
  const value = tf.mul(x, cdf);
  cdf.dispose();
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

// x * s with s = sigmoid(1.702 x); gradient s + 1.702 x s (1 - s).
const geluSigmoid = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const [s, slope] = tf.tidy(() => {
    const sig = tf.sigmoid(tf.mul(x, 1.702));
    return [sig, tf.add(sig, tf.mul(tf.mul(x, 1.702), tf.mul(sig, tf.sub(1, sig))))];
  });
  save([slope]);
  const value = tf.mul(x, s);
  s.dispose();
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/** A 1x1 convolution with a given weight [1, 1, in, out] (a slice of a block's convolution). */
export function pointwise(x: tf.Tensor4D, weight: tf.Tensor, bias: tf.Tensor | null): tf.Tensor4D {
  return tf.tidy(() => {
    const y = tf.conv2d(x, weight as tf.Tensor4D, 1, 'valid');
    return (bias ? tf.add(y, bias) : y) as tf.Tensor4D;
  });
}

/** GELU, exact (PyTorch's `F.gelu`) or its sigmoid approximation, with hand-written gradients. */
export function gelu(x: tf.Tensor, activation: Activation = 'gelu'): tf.Tensor {
  return activation === 'gelu' ? geluExact(x) : geluSigmoid(x);
}

export interface BottleneckBlockOptions {
  inWidth: number;
  middleWidth: number;
  outWidth: number;
  /** Average-pool by this factor after the block (encoder `RdK`). */
  downRate?: number;
  /** Add the input to the output (needs inWidth === outWidth). */
  residual?: boolean;
  /** 3x3 middle convolutions; false at resolutions <= 2, where only 1x1 convolutions are used. */
  use3x3?: boolean;
  /** Start the last convolution at zero (the prior heads do, so training starts from prior = N(0, I)). */
  zeroLast?: boolean;
  /** Multiplies the last convolution's initial weights (sqrt(1 / number of blocks) in residual blocks). */
  lastScale?: number;
  activation?: Activation;
  rng: Rng;
}

/** Sets a variable to zeros (without leaking the zeros tensor). */
export function zeroOut(v: tf.Variable | null): void {
  if (v) tf.tidy(() => v.assign(tf.zerosLike(v)));
}

function zeroBias(conv: Conv2d) {
  zeroOut(conv.bias);
  return conv;
}

/**
 * VD-VAE's bottleneck residual block: GELU, 1x1, GELU, 3x3, GELU, 3x3, GELU, 1x1 (parameters `c1`..`c4`,
 * as in the official implementation), an optional residual connection and an optional average-pool.
 * Biases start at zero.
 */
export class BottleneckBlock extends Module {
  readonly c1: Conv2d;
  readonly c2: Conv2d;
  readonly c3: Conv2d;
  readonly c4: Conv2d;
  readonly residual: boolean;
  readonly downRate?: number;
  readonly activation: Activation;

  constructor(options: BottleneckBlockOptions) {
    super();
    const { inWidth, middleWidth, outWidth, residual = false, use3x3 = true, zeroLast = false, rng } = options;
    const k = use3x3 ? 3 : 1;
    this.c1 = this.child(
      'c1',
      zeroBias(new Conv2d({ inChannels: inWidth, outChannels: middleWidth, kernelSize: 1, rng: rng.fork('c1') })),
    );
    this.c2 = this.child(
      'c2',
      zeroBias(new Conv2d({ inChannels: middleWidth, outChannels: middleWidth, kernelSize: k, rng: rng.fork('c2') })),
    );
    this.c3 = this.child(
      'c3',
      zeroBias(new Conv2d({ inChannels: middleWidth, outChannels: middleWidth, kernelSize: k, rng: rng.fork('c3') })),
    );
    this.c4 = this.child(
      'c4',
      zeroBias(
        new Conv2d({
          inChannels: middleWidth,
          outChannels: outWidth,
          kernelSize: 1,
          initScale: options.lastScale ?? 1,
          rng: rng.fork('c4'),
        }),
      ),
    );
    if (zeroLast) zeroOut(this.c4.weight);
    this.residual = residual;
    this.activation = options.activation ?? 'gelu';
    if (options.downRate !== undefined) this.downRate = options.downRate;
  }

  #act(x: tf.Tensor): tf.Tensor4D {
    return gelu(x, this.activation) as tf.Tensor4D;
  }

  /**
   * Runs the block. `x` may be a list of tensors standing for their channel concatenation (the
   * posterior heads read [state, activation]); the first convolution then takes them piecewise, which
   * on wasm is cheaper than concatenating.
   */
  forward(x: tf.Tensor4D | tf.Tensor4D[]): tf.Tensor4D {
    return this.forwardSplit(x, [this.c4.weight.shape[3] as number])[0];
  }

  /**
   * Like `forward`, with the output channels split into groups of `sizes` (the prior head's
   * mean, log std and feature), each computed by its slice of the last convolution.
   */
  forwardSplit(x: tf.Tensor4D | tf.Tensor4D[], sizes: number[]): tf.Tensor4D[] {
    const parts = Array.isArray(x) ? x : [x];
    if (this.residual && parts.length !== 1) throw new Error('a residual block takes a single input');
    return tf.tidy(() => {
      let h: tf.Tensor4D;
      if (parts.length === 1) h = pointwise(this.#act(parts[0]), this.c1.weight, this.c1.bias);
      else {
        let offset = 0;
        const terms = parts.map((p) => {
          const c = p.shape[3];
          const w = tf.slice(this.c1.weight, [0, 0, offset, 0], [-1, -1, c, -1]) as tf.Tensor4D;
          offset += c;
          return pointwise(this.#act(p), w, null);
        });
        h = tf.addN(terms) as tf.Tensor4D;
        if (this.c1.bias) h = tf.add(h, this.c1.bias);
      }
      h = this.c2.forward(this.#act(h));
      h = this.c3.forward(this.#act(h));
      const g = this.#act(h) as tf.Tensor4D;
      const outputs: tf.Tensor4D[] =
        sizes.length === 1
          ? [pointwise(g, this.c4.weight, this.c4.bias)]
          : (() => {
              let offset = 0;
              return sizes.map((size) => {
                const w = tf.slice(this.c4.weight, [0, 0, 0, offset], [-1, -1, -1, size]) as tf.Tensor4D;
                const y = pointwise(g, w, this.c4.bias ? tf.slice(this.c4.bias, [offset], [size]) : null);
                offset += size;
                return y;
              });
            })();
      return outputs.map((o) => {
        let out = this.residual ? tf.add(parts[0], o) : o;
        if (this.downRate) out = tf.avgPool(out as tf.Tensor4D, this.downRate, this.downRate, 'valid');
        return out as tf.Tensor4D;
      });
    });
  }
}

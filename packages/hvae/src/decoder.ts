import { Conv2d, Module, type Rng, tf } from '@scalespace/core';
import type { BlockSpec } from './block-string.js';
import { type Activation, BottleneckBlock, pointwise, zeroOut } from './bottleneck-block.js';
import { ParameterList } from './parameter-list.js';

/** What a top-down block shows the code that picks its latent group. */
export interface GroupContext {
  /** Group (= decoder block) index. */
  index: number;
  block: DecBlock;
  /** Decoder state entering the block (after the mix-in, before the prior's feature): what posterior heads read. */
  x: tf.Tensor4D;
  /** Prior p(z_i | z_<i): mean and log standard deviation [N, r, r, zdim]. */
  pMean: tf.Tensor4D;
  pLogStd: tf.Tensor4D;
  /**
   * Keeps a tensor the picker stores beyond the block (a KL term, the posterior of an encoding): the decoder frees
   * every other tensor a block made when the block ends, so that large networks run within memory. Returns `t`.
   */
  keep<T extends tf.Tensor>(t: T): T;
}

/** Picks the latent group z_i [N, r, r, zdim] of block `ctx.index` (from a posterior, the prior or given values). */
export type ChooseLatent = (ctx: GroupContext) => tf.Tensor4D;

export interface DecBlockOptions {
  res: number;
  mixin?: number;
  width: number;
  zdim: number;
  bottleneckMultiple: number;
  /** Number of decoder blocks (scales the residual branch's and z projection's initial weights). */
  nBlocks: number;
  activation?: Activation;
  rng: Rng;
}

/** Nearest-neighbour upsampling by an integer factor (PyTorch's default `F.interpolate`). */
export function upsampleNearest(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  if (factor === 1) return x;
  const [, h, w] = x.shape;
  // With integer factors, half-pixel-free nearest sampling reads source pixel floor(i / factor).
  return tf.image.resizeNearestNeighbor(x, [h * factor, w * factor], false, false);
}

/**
 * One top-down block of VD-VAE (the official `DecBlock`): a prior head `prior` giving (p_mean, p_logstd,
 * feature), a posterior head `enc` on [state, encoder activation] giving (q_mean, q_logstd), the latent
 * projection `z_proj` and a residual block `resnet`.
 */
export class DecBlock extends Module {
  readonly base: number;
  readonly mixin?: number;
  readonly width: number;
  readonly zdim: number;
  readonly enc: BottleneckBlock;
  readonly prior: BottleneckBlock;
  readonly z_proj: Conv2d;
  readonly resnet: BottleneckBlock;

  constructor(options: DecBlockOptions) {
    super();
    const { res, width, zdim, bottleneckMultiple, nBlocks, rng } = options;
    this.base = res;
    if (options.mixin !== undefined) this.mixin = options.mixin;
    this.width = width;
    this.zdim = zdim;
    const cond = Math.floor(width * bottleneckMultiple);
    const use3x3 = res > 2;
    const activation = options.activation ?? 'gelu';
    this.enc = this.child(
      'enc',
      new BottleneckBlock({
        inWidth: width * 2,
        middleWidth: cond,
        outWidth: zdim * 2,
        use3x3,
        activation,
        rng: rng.fork('enc'),
      }),
    );
    this.prior = this.child(
      'prior',
      new BottleneckBlock({
        inWidth: width,
        middleWidth: cond,
        outWidth: zdim * 2 + width,
        use3x3,
        zeroLast: true,
        activation,
        rng: rng.fork('prior'),
      }),
    );
    const scale = Math.sqrt(1 / nBlocks);
    this.z_proj = this.child(
      'z_proj',
      new Conv2d({ inChannels: zdim, outChannels: width, kernelSize: 1, initScale: scale, rng: rng.fork('z_proj') }),
    );
    zeroOut(this.z_proj.bias);
    this.resnet = this.child(
      'resnet',
      new BottleneckBlock({
        inWidth: width,
        middleWidth: cond,
        outWidth: width,
        residual: true,
        use3x3,
        lastScale: scale,
        activation,
        rng: rng.fork('resnet'),
      }),
    );
  }

  /** The posterior head q(z_i | z_<i, x): [state, activation] -> (mean, log std). */
  posterior(x: tf.Tensor4D, acts: tf.Tensor4D): { mean: tf.Tensor4D; logStd: tf.Tensor4D } {
    const [mean, logStd] = this.enc.forwardSplit([x, acts], [this.zdim, this.zdim]);
    return { mean, logStd };
  }

  /**
   * Runs the block on the states by resolution `xs` (updated in place); `choose` picks z, and what it passes to
   * `keep` is added to `kept`. No tidy of its own: `Decoder.run` wraps each block in one.
   */
  forward(
    xs: Map<number, tf.Tensor4D>,
    n: number,
    index: number,
    choose: ChooseLatent,
    kept: tf.Tensor[] = [],
  ): tf.Tensor4D {
    let x = xs.get(this.base) ?? (tf.zeros([n, this.base, this.base, this.width]) as tf.Tensor4D);
    // Broadcast a learned initial state (batch 1) to the batch; an add is much cheaper than tile on wasm.
    if (x.shape[0] !== n) x = tf.add(x, tf.zeros([n, 1, 1, 1]));
    if (this.mixin !== undefined) {
      const low = xs.get(this.mixin)!;
      const sliced = low.shape[3] === this.width ? low : tf.slice(low, [0, 0, 0, 0], [-1, -1, -1, this.width]);
      x = tf.add(x, upsampleNearest(sliced as tf.Tensor4D, this.base / this.mixin));
    }
    const [pMean, pLogStd, feature] = this.prior.forwardSplit(x, [this.zdim, this.zdim, this.width]);
    const keep = <T extends tf.Tensor>(t: T): T => {
      kept.push(t);
      return t;
    };
    const z = choose({ index, block: this, x, pMean, pLogStd, keep });
    let out = tf.add(tf.add(x, feature), pointwise(z, this.z_proj.weight, this.z_proj.bias)) as tf.Tensor4D;
    out = this.resnet.forward(out);
    xs.set(this.base, out);
    return z;
  }
}

export interface DecoderOptions {
  imageSize: number;
  width: number;
  zdim: number;
  blocks: BlockSpec[];
  widthAt(res: number): number;
  bottleneckMultiple: number;
  noBiasAbove: number;
  /** Output parameters per pixel of the logistic mixture head. */
  outChannels: number;
  activation?: Activation;
  rng: Rng;
}

/** The output head (official `DmolNet`): a 1x1 convolution to the logistic mixture parameters. */
export class DmolNet extends Module {
  readonly out_conv: Conv2d;
  constructor(width: number, outChannels: number, rng: Rng) {
    super();
    this.out_conv = this.child('out_conv', new Conv2d({ inChannels: width, outChannels, kernelSize: 1, rng }));
    zeroOut(this.out_conv.bias);
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return pointwise(x, this.out_conv.weight, this.out_conv.bias);
  }
}

/**
 * The top-down decoder of VD-VAE (official names: `dec_blocks.i`, `bias_xs.j`, `out_net.out_conv`, `gain`,
 * `bias`). `run` is generic in how each latent group is chosen, which covers training (posterior),
 * sampling (prior at a temperature), fixed latents and CVDVAE's low-resolution encoder.
 */
export class Decoder extends Module {
  readonly imageSize: number;
  readonly dec_blocks: DecBlock[];
  readonly bias_xs: ParameterList;
  readonly out_net: DmolNet;
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;
  readonly resolutions: number[];

  constructor(options: DecoderOptions) {
    super();
    const { imageSize, width, zdim, blocks, widthAt, bottleneckMultiple, noBiasAbove, outChannels, rng } = options;
    this.imageSize = imageSize;
    this.dec_blocks = this.childList(
      'dec_blocks',
      blocks.map(
        (b, i) =>
          new DecBlock({
            res: b.res,
            ...(b.mixin !== undefined && { mixin: b.mixin }),
            width: widthAt(b.res),
            zdim,
            bottleneckMultiple,
            nBlocks: blocks.length,
            ...(options.activation && { activation: options.activation }),
            rng: rng.fork(`dec_blocks.${i}`),
          }),
      ),
    );
    this.resolutions = [...new Set(blocks.map((b) => b.res))].sort((a, b) => a - b);
    this.bias_xs = this.child(
      'bias_xs',
      new ParameterList(
        this.resolutions.filter((r) => r <= noBiasAbove).map((r) => () => tf.zeros([1, r, r, widthAt(r)])),
      ),
    );
    this.out_net = this.child('out_net', new DmolNet(width, outChannels, rng.fork('out_net')));
    this.gain = this.param('gain', () => tf.ones([1, 1, 1, width]));
    this.bias = this.param('bias', () => tf.zeros([1, 1, 1, width]));
  }

  /** Number of latent groups (one per decoder block). */
  get groups(): number {
    return this.dec_blocks.length;
  }

  /** Shape of latent group i for a batch of n. */
  groupShape(i: number, n: number): [number, number, number, number] {
    const b = this.dec_blocks[i];
    return [n, b.base, b.base, b.zdim];
  }

  /** Initial states by resolution (the learned biases), batch 1; broadcast by the blocks. */
  initialStates(): Map<number, tf.Tensor4D> {
    const xs = new Map<number, tf.Tensor4D>();
    for (const p of this.bias_xs.items) xs.set(p.shape[1] as number, p as unknown as tf.Tensor4D);
    return xs;
  }

  /**
   * Runs the first `upTo` blocks (all by default) for a batch of n, choosing each group with `choose`.
   * Returns the chosen latents and, when every block ran, the mixture parameters [N, H, W, P].
   * No tidy of its own: call it inside one.
   */
  run(
    n: number,
    choose: ChooseLatent,
    upTo = this.dec_blocks.length,
  ): { latents: tf.Tensor4D[]; params: tf.Tensor4D | null; states: Map<number, tf.Tensor4D> } {
    const xs = this.initialStates();
    const latents: tf.Tensor4D[] = [];
    const learned = new Set<tf.Tensor>(this.bias_xs.items);
    const kept = new Set<tf.Tensor>();
    for (let i = 0; i < upTo; i++) {
      const block = this.dec_blocks[i];
      const previous = xs.get(block.base);
      // Each block in its own tidy: only z, the new state and what the picker keeps outlive it. (Tensors that
      // gradients need are kept by the tape, so this holds under tf.grad too.)
      const [z, state, ...keep] = tf.tidy(() => {
        const keep: tf.Tensor[] = [];
        const z = block.forward(xs, n, i, choose, keep);
        return [z, xs.get(block.base) as tf.Tensor4D, ...keep];
      }) as tf.Tensor[];
      xs.set(block.base, state as tf.Tensor4D);
      for (const t of keep) kept.add(t);
      latents.push(z as tf.Tensor4D);
      // The state this block replaced is garbage unless it is a learned initial state or something kept.
      if (previous && !learned.has(previous) && !kept.has(previous)) previous.dispose();
    }
    if (upTo < this.dec_blocks.length) return { latents, params: null, states: xs };
    const top = xs.get(this.imageSize)!;
    const params = this.out_net.forward(tf.add(tf.mul(top, this.gain), this.bias) as tf.Tensor4D);
    return { latents, params, states: xs };
  }
}

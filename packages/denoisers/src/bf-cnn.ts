import { Conv2d, InvalidArgumentError, Module, type Rng, tf } from '@scalespace/core';
import { BiasFreeBatchNorm } from './bias-free-batch-norm.js';
import { kernelSizesForReceptiveField, receptiveField } from './receptive-field.js';

/** The shape of a bias-free CNN; saved with its weights. */
export interface BFCNNConfig {
  /** Input channels (1 grey, 3 RGB; a conditional denoiser adds the conditioning channels). */
  inChannels: number;
  /** Output channels: the noise estimate of the channels being denoised. */
  outChannels: number;
  /** Conv layers in all (the paper: 21). */
  depth: number;
  /** Channels of every hidden layer (the paper: 64). */
  width: number;
  /** Receptive field, odd: 1 + 2 * (number of 3x3 layers) (the paper: 5, 9, 13, 23, 43). */
  rf: number;
  /**
   * The kernel size of each layer, for a layout other than `kernelSizesForReceptiveField(depth, rf)` (the
   * official RF 9 networks put their 3x3 layers at 0, 8, 16 and 20). It must give receptive field `rf`.
   */
  kernelSizes?: number[];
  /** No ReLU after the first conv, as in the official networks (default false: ReLU after all but the last). */
  linearFirstLayer?: boolean;
}

export function validateBFCNNConfig(config: BFCNNConfig): number[] {
  for (const key of ['inChannels', 'outChannels', 'depth', 'width', 'rf'] as const) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1)
      throw new InvalidArgumentError(`bias-free CNN: ${key} must be a positive integer, got ${v}`);
  }
  const { kernelSizes, depth, rf, linearFirstLayer } = config;
  if (linearFirstLayer !== undefined && typeof linearFirstLayer !== 'boolean')
    throw new InvalidArgumentError(`bias-free CNN: linearFirstLayer must be a boolean, got ${linearFirstLayer}`);
  if (kernelSizes === undefined) return kernelSizesForReceptiveField(depth, rf);
  if (
    !Array.isArray(kernelSizes) ||
    kernelSizes.length !== depth ||
    !kernelSizes.every((k) => Number.isInteger(k) && k >= 1 && k % 2 === 1)
  ) {
    throw new InvalidArgumentError(
      `bias-free CNN: kernelSizes must be ${depth} odd positive integers (one per layer), got ${JSON.stringify(kernelSizes)}`,
    );
  }
  if (receptiveField(kernelSizes) !== rf) {
    throw new InvalidArgumentError(
      `bias-free CNN: kernelSizes [${kernelSizes}] give receptive field ${receptiveField(kernelSizes)}, not rf ${rf}`,
    );
  }
  return [...kernelSizes];
}

/**
 * A bias-free CNN (Mohan et al. 2020; Kadkhodaie et al. 2023): `depth` stride-1 convs with no bias,
 * ReLU after every layer but the last (and the first, with `linearFirstLayer`) and bias-free batch norm
 * after every layer but the first and the last. With no additive constant anywhere the network is positively homogeneous in eval mode,
 * f(a x) = a f(x) for a > 0, and piecewise linear. It outputs the noise estimate; a denoiser returns
 * y - f(y).
 */
export class BFCNN extends Module {
  readonly config: BFCNNConfig;
  readonly kernelSizes: number[];
  readonly convs: Conv2d[];
  readonly norms: BiasFreeBatchNorm[];

  constructor(config: BFCNNConfig, rng: Rng) {
    super();
    this.kernelSizes = validateBFCNNConfig(config);
    this.config = { ...config };
    const { inChannels, outChannels, depth, width } = config;
    this.convs = this.childList(
      'convs',
      this.kernelSizes.map(
        (kernelSize, i) =>
          new Conv2d({
            inChannels: i === 0 ? inChannels : width,
            outChannels: i === depth - 1 ? outChannels : width,
            kernelSize,
            bias: false,
            rng: rng.fork(`conv${i}`),
          }),
      ),
    );
    this.norms = this.childList(
      'norms',
      Array.from({ length: depth - 2 }, (_, i) => new BiasFreeBatchNorm({ channels: width, rng: rng.fork(`bn${i}`) })),
    );
  }

  #reluAfter(layer: number): boolean {
    return layer < this.convs.length - 1 && !(layer === 0 && this.config.linearFirstLayer);
  }

  /** The receptive field the layer layout gives. */
  get receptiveField(): number {
    return receptiveField(this.kernelSizes);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const channels = x.shape[3];
    if (channels !== this.config.inChannels) {
      throw new InvalidArgumentError(
        `bias-free CNN expects ${this.config.inChannels} input channels, got [${x.shape.join(', ')}]`,
      );
    }
    return tf.tidy(() => {
      const last = this.convs.length - 1;
      let h = x;
      for (const [i, conv] of this.convs.entries()) {
        h = conv.forward(h);
        if (i > 0 && i < last) h = this.norms[i - 1].forward(h);
        if (this.#reluAfter(i)) h = tf.relu(h);
      }
      return h;
    });
  }

  /**
   * Inference with the running statistics (eval mode), freeing each layer's input as soon as the next
   * layer exists, so a large image needs memory for two layers rather than all of them. No gradients.
   */
  infer(x: tf.Tensor4D): tf.Tensor4D {
    if (x.shape[3] !== this.config.inChannels) {
      throw new InvalidArgumentError(
        `bias-free CNN expects ${this.config.inChannels} input channels, got [${x.shape.join(', ')}]`,
      );
    }
    const last = this.convs.length - 1;
    let h = x;
    for (const [i, conv] of this.convs.entries()) {
      const next = tf.tidy(() => {
        let z = conv.forward(h);
        if (i > 0 && i < last) z = tf.mul(z, tf.div(this.norms[i - 1].gain, this.norms[i - 1].runningStd));
        return this.#reluAfter(i) ? tf.relu(z) : z;
      });
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }

  /** Sets the last conv to zero: the network then outputs 0 for every input (a trivial start for training). */
  zeroOutput(): void {
    const last = this.convs[this.convs.length - 1].weight;
    tf.tidy(() => last.assign(tf.zerosLike(last)));
  }

  /** Folds the batch statistics of the training-mode forwards since the last call into the running stds. */
  commitStatistics(): void {
    for (const n of this.norms) n.commitStatistics();
  }

  /** Freezes (true) or releases the batch-norm statistics: frozen, training mode uses the running stds. */
  setStatisticsFrozen(frozen: boolean): void {
    for (const n of this.norms) n.statisticsFrozen = frozen;
  }

  /** Drops recorded batch statistics (a skipped step). */
  discardStatistics(): void {
    for (const n of this.norms) n.discardStatistics();
  }
}

import {
  InvalidArgumentError,
  InvalidImageError,
  type LongWorkOptions,
  logisticMixtureLogProb,
  logisticMixtureParamCount,
  logisticMixtureSample,
  Module,
  rng as makeRng,
  ProgressTracker,
  type Rng,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';
import { GatedResnet } from './gated-resnet.js';
import { PixelCNNDownPass, type PixelCNNUnetConfig, validateUnetConfig } from './pixelcnn-unet.js';
import { downShift, RectConv2d, rightShift, ShiftedConv2d } from './shifted-conv.js';

// PixelCNN++ (Salimans, Karpathy, Chen, Kingma 2017) at a single resolution: two causal streams (u sees
// the rows above, ul the rows above and the pixels to the left), gated residual blocks with
// concat-ELU and dropout, and the discretized logistic mixture of @scalespace/core with channel
// coupling on top. By default it stays at one resolution with a single pass of blocks (its receptive
// field grows by about two rows per block), which suits the small images it serves here: PixelPyramids'
// coarsest level and the MNIST baseline. With `unet`, it is the paper's network: the up pass visits
// several resolutions and a down pass with skip connections comes back (pixelcnn-unet.ts).

export interface PixelCNNConfig {
  /** Image channels (1 grey, 3 RGB). */
  channels: number;
  /** Bits per value (1..8). */
  bits: number;
  /** Feature channels of both streams. */
  filters: number;
  /** Gated residual blocks per stream. */
  resnets: number;
  /** Logistic mixture components. */
  components: number;
  dropout?: number;
  /** Channels of an optional conditioning map (same H, W as the image) added in every block. */
  conditionChannels?: number;
  /**
   * The paper's U-Net: `resnets` blocks per resolution on the way down in size, a down pass with skip
   * connections back up. Absent: one resolution, one pass (scalespace's own models).
   */
  unet?: PixelCNNUnetConfig;
}

export function validatePixelCNNConfig(c: PixelCNNConfig): PixelCNNConfig {
  const positive = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1)
      throw new InvalidArgumentError(`PixelCNN ${name} must be a positive integer, got ${v}`);
  };
  positive(c.channels, 'channels');
  positive(c.filters, 'filters');
  positive(c.resnets, 'resnets');
  positive(c.components, 'components');
  if (!Number.isInteger(c.bits) || c.bits < 1 || c.bits > 8)
    throw new InvalidArgumentError(`PixelCNN bits must be in 1..8, got ${c.bits}`);
  if (c.dropout !== undefined && !(c.dropout >= 0 && c.dropout < 1))
    throw new InvalidArgumentError(`PixelCNN dropout must be in [0, 1), got ${c.dropout}`);
  if (c.unet) {
    validateUnetConfig(c.unet);
    if (c.conditionChannels)
      throw new InvalidArgumentError(
        'PixelCNN: a conditioning map works with the single-resolution net only, not unet',
      );
  }
  return c;
}

/** Integer values 0..2^bits-1 -> the [-1, 1] scale the network reads. */
export function toUnitScale(x: tf.Tensor, bits: number): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(x, 'float32'), 2 / (2 ** bits - 1)), 1) as tf.Tensor4D);
}

export interface SampleResult {
  /** int32 [N, H, W, C] values 0..2^bits-1. */
  images: tf.Tensor4D;
  /** Sequential network evaluations the call made (the critical path). */
  networkEvaluations: number;
  seconds: number;
}

export class PixelCNN extends Module {
  readonly config: PixelCNNConfig;
  readonly uInit: ShiftedConv2d;
  readonly ulInitAbove: ShiftedConv2d;
  readonly ulInitLeft: ShiftedConv2d;
  readonly uBlocks: GatedResnet[];
  readonly ulBlocks: GatedResnet[];
  readonly out: RectConv2d;
  /** The U-Net's resampling and down pass (config.unet), else null. */
  readonly unet: PixelCNNDownPass | null;

  constructor(config: PixelCNNConfig, rng: Rng) {
    super();
    this.config = validatePixelCNNConfig(config);
    const { channels, filters, resnets, components, dropout = 0, conditionChannels = 0 } = config;
    const inChannels = channels + 1; // plus a channel of ones, so the net can tell padding from zeros
    this.uInit = this.child(
      'uInit',
      new ShiftedConv2d({ inChannels, outChannels: filters, filter: [2, 3], kind: 'down', rng: rng.fork('uInit') }),
    );
    this.ulInitAbove = this.child(
      'ulInitAbove',
      new ShiftedConv2d({ inChannels, outChannels: filters, filter: [1, 3], kind: 'down', rng: rng.fork('ulA') }),
    );
    this.ulInitLeft = this.child(
      'ulInitLeft',
      new ShiftedConv2d({ inChannels, outChannels: filters, filter: [2, 1], kind: 'down-right', rng: rng.fork('ulL') }),
    );
    const blocks = (kind: 'down' | 'down-right', name: string) =>
      Array.from(
        { length: resnets * (config.unet?.resolutions ?? 1) },
        (_, i) =>
          new GatedResnet({
            filters,
            kind,
            auxChannels: kind === 'down-right' ? filters : 0,
            conditionChannels,
            dropout,
            rng: rng.fork(`${name}${i}`),
          }),
      );
    this.uBlocks = this.childList('uBlocks', blocks('down', 'u'));
    this.ulBlocks = this.childList('ulBlocks', blocks('down-right', 'ul'));
    this.unet = config.unet
      ? this.child(
          'unet',
          new PixelCNNDownPass({ unet: config.unet, filters, resnets, dropout, rng: rng.fork('unet') }),
        )
      : null;
    this.out = this.child(
      'out',
      new RectConv2d({
        inChannels: filters,
        outChannels: logisticMixtureParamCount(channels, components),
        fh: 1,
        fw: 1,
        stride: 1,
        rng: rng.fork('out'),
      }),
    );
  }

  /** Mixture parameters [N, H, W, P] for every pixel, each depending only on earlier pixels. */
  params(x: tf.Tensor, condition?: tf.Tensor4D): tf.Tensor4D {
    const { channels, bits } = this.config;
    if (x.rank !== 4 || x.shape[3] !== channels) {
      throw new InvalidImageError(`PixelCNN: expected [N, H, W, ${channels}], got [${x.shape.join(', ')}]`);
    }
    const divisor = this.unet?.divisor ?? 1;
    const [, height, width] = x.shape as [number, number, number, number];
    if (height % divisor !== 0 || width % divisor !== 0)
      throw new InvalidImageError(
        `PixelCNN: its U-Net halves H and W ${Math.log2(divisor)} times; [${x.shape.join(', ')}] is not divisible by ${divisor}`,
      );
    return tf.tidy(() => {
      const scaled = toUnitScale(x, bits);
      const [n, h, w] = scaled.shape;
      const input = tf.concat([scaled, tf.ones([n, h, w, 1])], 3) as tf.Tensor4D;
      let u = downShift(this.uInit.forward(input));
      let ul = tf.add(
        downShift(this.ulInitAbove.forward(input)),
        rightShift(this.ulInitLeft.forward(input)),
      ) as tf.Tensor4D;
      // The up pass; with a U-Net its outputs are kept for the down pass's skip connections.
      const us = [u];
      const uls = [ul];
      const perResolution = this.config.resnets;
      for (let i = 0; i < this.uBlocks.length; i++) {
        if (this.unet && i > 0 && i % perResolution === 0) {
          [u, ul] = this.unet.shrink(i / perResolution - 1, u, ul);
          us.push(u);
          uls.push(ul);
        }
        u = this.uBlocks[i].forward(u, undefined, condition);
        ul = this.ulBlocks[i].forward(ul, u, condition);
        us.push(u);
        uls.push(ul);
      }
      if (this.unet) ul = this.unet.forward(us, uls);
      return this.out.forward(tf.elu(ul) as tf.Tensor4D);
    });
  }

  /** log p(x) in nats per image [N], exact, in one pass. x: int32 [N, H, W, C]. */
  logProb(x: tf.Tensor, condition?: tf.Tensor4D): tf.Tensor1D {
    const { channels, bits, components } = this.config;
    return tf.tidy(() => {
      const params = this.params(x, condition);
      return tf.sum(logisticMixtureLogProb(params, x, { bits, channels, components }), [1, 2]) as tf.Tensor1D;
    });
  }

  /** Draws images pixel by pixel in raster order: H * W network evaluations. */
  async sample(
    options: {
      n: number;
      height: number;
      width: number;
      temperature?: number;
      seed?: number;
      condition?: tf.Tensor4D;
    } & LongWorkOptions,
  ): Promise<SampleResult> {
    const { n, height, width, temperature = 1, condition, signal, onProgress } = options;
    const { channels, bits, components } = this.config;
    for (const [v, name] of [
      [n, 'n'],
      [height, 'height'],
      [width, 'width'],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new InvalidArgumentError(`PixelCNN.sample: ${name} must be a positive integer, got ${v}`);
    }
    const rng = makeRng(options.seed ?? 0);
    const started = performance.now();
    const wasTraining = this.training;
    this.eval();
    const values = new Int32Array(n * height * width * channels);
    const tracker = new ProgressTracker(height * width, { onProgress });
    let evaluations = 0;
    try {
      for (let r = 0; r < height; r++) {
        for (let c = 0; c < width; c++) {
          throwIfAborted(signal, 'PixelCNN sampling');
          const sampled = tf.tidy(() => {
            const current = tf.tensor4d(values, [n, height, width, channels], 'int32');
            const params = this.params(current, condition);
            const here = tf.slice(params, [0, r, c, 0], [n, 1, 1, params.shape[3]]);
            return logisticMixtureSample(here, { bits, channels, components, temperature, rng });
          });
          const drawn = await sampled.data();
          sampled.dispose();
          evaluations++;
          for (let i = 0; i < n; i++) {
            for (let ch = 0; ch < channels; ch++)
              values[((i * height + r) * width + c) * channels + ch] = drawn[i * channels + ch];
          }
          tracker.report(r * width + c + 1);
          if ((r * width + c) % 16 === 15) await yieldToEventLoop();
        }
      }
    } finally {
      this.train(wasTraining);
    }
    return {
      images: tf.tensor4d(values, [n, height, width, channels], 'int32'),
      networkEvaluations: evaluations,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

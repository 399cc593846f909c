import { Conv2d, InvalidArgumentError, Module, type Rng, tf } from '@scalespace/core';
import { type BlockNorm, ConvBlock } from './conv-block.js';
import { padSpatial } from './ops.js';

export interface SinGANNetOptions {
  /** Feature channels of every block. */
  channels: number;
  /** Conv layers in all (head + body + tail); SinGAN uses 5. */
  layers?: number;
  kernelSize?: number;
  /**
   * Output channels of each conv block (layers - 1 of them); default `channels` for all. The official
   * SinGAN's blocks narrow from nfc towards min_nfc (16, 8, 4, 4 for nfc 16, min_nfc 4).
   */
  widths?: number[];
  /** Normalisation of the blocks (default 'instance'; 'batch': fixed running statistics, official SinGAN). */
  norm?: BlockNorm;
  rng: Rng;
}

function blockWidths(options: SinGANNetOptions): number[] {
  const { channels, layers = 5, widths } = options;
  if (!widths) return Array.from({ length: layers - 1 }, () => channels);
  if (widths.length !== layers - 1 || !widths.every((w) => Number.isInteger(w) && w >= 1))
    throw new InvalidArgumentError(
      `SinGAN widths must be ${layers - 1} positive integers (one per conv block), got [${widths.join(', ')}]`,
    );
  return widths;
}

function convBlocks(options: SinGANNetOptions): ConvBlock[] {
  const { kernelSize = 3, norm = 'instance', rng } = options;
  const widths = blockWidths(options);
  return widths.map(
    (outChannels, i) =>
      new ConvBlock({
        inChannels: i === 0 ? 3 : widths[i - 1],
        outChannels,
        kernelSize,
        padding: 'valid',
        norm,
        ganInit: true,
        rng: rng.fork(`block${i}`),
      }),
  );
}

/** The last, unnormalised conv, initialised N(0, 0.02) like SinGAN's. */
function ganTail(channels: number, outChannels: number, kernelSize: number, rng: Rng): Conv2d {
  const tail = new Conv2d({ inChannels: channels, outChannels, kernelSize, padding: 'valid', rng: rng.fork('tail') });
  const w = rng.fork('tail-init').normalTensor(tail.weight.shape, { std: 0.02 });
  tail.weight.assign(w);
  w.dispose();
  return tail;
}

/**
 * One scale's generator: valid 3x3 conv blocks on the zero-padded input (noise times the scale's
 * amplitude plus the upsampled previous output), a tanh, and the previous output added back, so the
 * net learns the residual detail of its scale. Output size = input size.
 */
export class SinGANGenerator extends Module {
  readonly blocks: ConvBlock[];
  readonly tail: Conv2d;
  /** Pixels of zero padding that the valid convs eat up. */
  readonly pad: number;

  constructor(options: SinGANNetOptions) {
    super();
    const { layers = 5, kernelSize = 3, rng } = options;
    this.blocks = this.childList('blocks', convBlocks(options));
    this.tail = this.child('tail', ganTail(blockWidths(options)[layers - 2], 3, kernelSize, rng));
    this.pad = (layers * (kernelSize - 1)) / 2;
  }

  /** input, prev: [N, H, W, 3] in [-1, 1] units; returns [N, H, W, 3]. */
  forward(input: tf.Tensor4D, prev: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x = padSpatial(input, this.pad);
      for (const b of this.blocks) x = b.forward(x);
      return tf.add(tf.tanh(this.tail.forward(x)), prev) as tf.Tensor4D;
    });
  }
}

/** One scale's patch critic: the generator's shape with a 1-channel linear output (receptive field 11). */
export class SinGANDiscriminator extends Module {
  readonly blocks: ConvBlock[];
  readonly tail: Conv2d;

  constructor(options: SinGANNetOptions) {
    super();
    const { layers = 5, kernelSize = 3, rng } = options;
    this.blocks = this.childList('blocks', convBlocks(options));
    this.tail = this.child('tail', ganTail(blockWidths(options)[layers - 2], 1, kernelSize, rng));
  }

  /** x: [N, H, W, 3] -> critic map [N, H - 10, W - 10, 1]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = x;
      for (const b of this.blocks) y = b.forward(y);
      return this.tail.forward(y);
    });
  }
}

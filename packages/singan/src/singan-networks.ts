import { Conv2d, Module, type Rng, tf } from '@scalespace/core';
import { ConvBlock } from './conv-block.js';
import { padSpatial } from './ops.js';

export interface SinGANNetOptions {
  /** Feature channels of every block. */
  channels: number;
  /** Conv layers in all (head + body + tail); SinGAN uses 5. */
  layers?: number;
  kernelSize?: number;
  rng: Rng;
}

function convBlocks(options: SinGANNetOptions): ConvBlock[] {
  const { channels, layers = 5, kernelSize = 3, rng } = options;
  const blocks: ConvBlock[] = [];
  for (let i = 0; i < layers - 1; i++) {
    blocks.push(
      new ConvBlock({
        inChannels: i === 0 ? 3 : channels,
        outChannels: channels,
        kernelSize,
        padding: 'valid',
        ganInit: true,
        rng: rng.fork(`block${i}`),
      }),
    );
  }
  return blocks;
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
    const { channels, layers = 5, kernelSize = 3, rng } = options;
    this.blocks = this.childList('blocks', convBlocks(options));
    this.tail = this.child('tail', ganTail(channels, 3, kernelSize, rng));
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
    const { channels, kernelSize = 3, rng } = options;
    this.blocks = this.childList('blocks', convBlocks(options));
    this.tail = this.child('tail', ganTail(channels, 1, kernelSize, rng));
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

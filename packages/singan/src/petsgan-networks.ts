import { Conv2d, Linear, Module, type Rng, tf } from '@scalespace/core';
import { ConvBlock } from './conv-block.js';
import { padSpatial, pixelShuffle, reflectPadSpatial } from './ops.js';
import { POSITION_FREQUENCIES, positionalEncoding } from './positional-encoding.js';

// The networks of the PetsGAN approach (Zhang et al., AAAI 2022), after the supplement's Fig. 1 and
// the authors' code, with widths as options (the defaults are narrower, for CPUs).

export interface LowResGeneratorOptions {
  /** Width of the first conv; the middle convs have twice this (PetsGAN: 64). */
  channels: number;
  /**
   * Read a positional encoding beside the noise (default true, as PetsGAN). Without it G is
   * translation-equivariant, like SinGAN's generators: only the zero border tells it where it is.
   */
  positionalEncoding?: boolean;
  rng: Rng;
}

/**
 * The low-resolution generator G: noise (1 channel) and a positional encoding, zero-padded by 5,
 * then five valid 3x3 convs (instance norm and ReLU inside) and a tanh. Fully convolutional.
 */
export class LowResGenerator extends Module {
  readonly blocks: ConvBlock[];
  readonly tail: Conv2d;
  readonly positional: boolean;

  constructor(options: LowResGeneratorOptions) {
    super();
    const { channels: c, positionalEncoding = true, rng } = options;
    this.positional = positionalEncoding;
    const inputs = 1 + (positionalEncoding ? 4 * POSITION_FREQUENCIES.length : 0);
    const spec: Array<[number, number, boolean]> = [
      [inputs, c, false],
      [c, 2 * c, true],
      [2 * c, 2 * c, true],
      [2 * c, 2 * c, true],
    ];
    this.blocks = this.childList(
      'blocks',
      spec.map(
        ([i, o, norm], k) =>
          new ConvBlock({
            inChannels: i,
            outChannels: o,
            padding: 'valid',
            norm,
            activation: norm ? 'relu' : 'none',
            rng: rng.fork(`b${k}`),
          }),
      ),
    );
    this.tail = this.child(
      'tail',
      new Conv2d({ inChannels: 2 * c, outChannels: 3, kernelSize: 3, padding: 'valid', rng: rng.fork('tail') }),
    );
  }

  /** noise [N, h, w, 1] -> image [N, h, w, 3] in [-1, 1]. */
  forward(noise: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w] = noise.shape;
      const input = this.positional ? tf.concat([noise, tf.tile(positionalEncoding(h, w), [n, 1, 1, 1])], 3) : noise;
      let x = padSpatial(input as tf.Tensor4D, 5);
      for (const b of this.blocks) x = b.forward(x);
      return tf.tanh(this.tail.forward(x)) as tf.Tensor4D;
    });
  }
}

export interface LowResCriticOptions {
  /** The fixed input [height, width] (the critic ends in a linear layer over the whole image). */
  size: [number, number];
  channels: number;
  rng: Rng;
}

/** The low-resolution critic: conv, three stride-2 blocks (widths x2 each), a linear score over the whole image. */
export class LowResCritic extends Module {
  readonly blocks: ConvBlock[];
  readonly linear: Linear;

  constructor(options: LowResCriticOptions) {
    super();
    const { size, channels: c, rng } = options;
    const widths = [c, 2 * c, 4 * c, 8 * c];
    this.blocks = this.childList(
      'blocks',
      widths.map(
        (o, k) =>
          new ConvBlock({
            inChannels: k === 0 ? 3 : widths[k - 1],
            outChannels: o,
            stride: k === 0 ? 1 : 2,
            padding: 'zeros',
            rng: rng.fork(`b${k}`),
          }),
      ),
    );
    let [h, w] = size;
    for (let k = 1; k < widths.length; k++) {
      h = Math.floor((h - 1) / 2) + 1;
      w = Math.floor((w - 1) / 2) + 1;
    }
    this.linear = this.child(
      'linear',
      new Linear({ inFeatures: h * w * widths[3], outFeatures: 1, rng: rng.fork('lin') }),
    );
  }

  /** images [N, h, w, 3] -> scores [N, 1]. */
  forward(x: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const b of this.blocks) y = b.forward(y);
      return this.linear.forward(tf.reshape(y, [y.shape[0], -1]));
    });
  }
}

export interface RestorationNetOptions {
  /** Upscaling factor, a power of two (PetsGAN: 8). */
  factor: number;
  /** Feature width (PetsGAN: 64). */
  channels: number;
  /** Kernel of the refine and upsample convs (PetsGAN: 5). */
  kernelSize?: number;
  /** Kernel of the last block (PetsGAN: 7). */
  finalKernelSize?: number;
  rng: Rng;
}

/**
 * The restoration network IR (the authors' "recnet"): 1x1 convs into features, then per factor of
 * two a refine step (two conv blocks) and an upsampling (conv to 4x the width and a pixel shuffle),
 * then a conv block, a conv to RGB and a tanh. Maps a low-resolution image to one `factor` x larger.
 */
export class RestorationNet extends Module {
  readonly stem: Conv2d;
  readonly stemBlock: ConvBlock;
  readonly refine: ConvBlock[];
  readonly upsample: ConvBlock[];
  readonly head: ConvBlock;
  readonly out: Conv2d;
  readonly stages: number;

  constructor(options: RestorationNetOptions) {
    super();
    const { factor, channels: c, kernelSize = 3, finalKernelSize = 3, rng } = options;
    const stages = Math.log2(factor);
    this.stages = stages;
    this.stemBlock = this.child(
      'stem_block',
      new ConvBlock({ inChannels: 3, outChannels: c, kernelSize: 1, padding: 'zeros', rng: rng.fork('stem0') }),
    );
    this.stem = this.child(
      'stem',
      new Conv2d({ inChannels: c, outChannels: c, kernelSize: 1, padding: 'valid', rng: rng.fork('stem1') }),
    );
    const block = (i: number, o: number, k: number, label: string) =>
      new ConvBlock({ inChannels: i, outChannels: o, kernelSize: k, padding: 'reflect', rng: rng.fork(label) });
    const refine: ConvBlock[] = [];
    const upsample: ConvBlock[] = [];
    for (let s = 0; s < stages; s++) {
      refine.push(block(c, c, kernelSize, `r${s}a`), block(c, c, kernelSize, `r${s}b`));
      upsample.push(block(c, 4 * c, kernelSize, `u${s}`));
    }
    this.refine = this.childList('refine', refine);
    this.upsample = this.childList('upsample', upsample);
    this.head = this.child('head', block(c, Math.max(1, c / 2), finalKernelSize, 'head'));
    this.out = this.child(
      'out',
      new Conv2d({
        inChannels: Math.max(1, c / 2),
        outChannels: 3,
        kernelSize: 3,
        padding: 'valid',
        rng: rng.fork('out'),
      }),
    );
  }

  /** low-res [N, h, w, 3] in [-1, 1] -> [N, h * factor, w * factor, 3] in [-1, 1]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = this.stem.forward(this.stemBlock.forward(x));
      for (let s = 0; s < this.stages; s++) {
        y = this.refine[2 * s + 1].forward(this.refine[2 * s].forward(y));
        y = pixelShuffle(this.upsample[s].forward(y), 2);
      }
      y = this.head.forward(y);
      return tf.tanh(this.out.forward(reflectPadSpatial(y, 1))) as tf.Tensor4D;
    });
  }
}

export interface PatchCriticOptions {
  channels: number;
  /** Parallel branches with dilations 1, 2, ... (PetsGAN: 3). */
  branches: number;
  rng: Rng;
}

/**
 * The high-resolution patch critic of the joint phase (the authors' multi-scale discriminator): a
 * head block, then branches of three dilated conv blocks each ending in a 1-channel conv; the
 * branch maps are summed. Fully convolutional, trained with the hinge loss.
 */
export class PatchCritic extends Module {
  readonly head: ConvBlock;
  readonly branches: ConvBlock[];
  readonly outs: Conv2d[];
  readonly count: number;

  constructor(options: PatchCriticOptions) {
    super();
    const { channels: c, branches, rng } = options;
    this.count = branches;
    this.head = this.child(
      'head',
      new ConvBlock({ inChannels: 3, outChannels: c, padding: 'reflect', rng: rng.fork('head') }),
    );
    const blocks: ConvBlock[] = [];
    const outs: Conv2d[] = [];
    for (let b = 0; b < branches; b++) {
      for (let k = 0; k < 3; k++) {
        blocks.push(
          new ConvBlock({
            inChannels: c,
            outChannels: c,
            dilation: b + 1,
            padding: 'reflect',
            rng: rng.fork(`b${b}_${k}`),
          }),
        );
      }
      outs.push(new Conv2d({ inChannels: c, outChannels: 1, kernelSize: 3, padding: 'valid', rng: rng.fork(`o${b}`) }));
    }
    this.branches = this.childList('branches', blocks);
    this.outs = this.childList('outs', outs);
  }

  /** images [N, H, W, 3] -> score maps [N, H, W, 1]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.head.forward(x);
      const maps: tf.Tensor[] = [];
      for (let b = 0; b < this.count; b++) {
        let y = h;
        for (let k = 0; k < 3; k++) y = this.branches[3 * b + k].forward(y);
        maps.push(this.outs[b].forward(reflectPadSpatial(y, 1)));
      }
      return (maps.length === 1 ? maps[0] : tf.addN(maps)) as tf.Tensor4D;
    });
  }
}

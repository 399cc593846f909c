import { Conv2d, Module, type Rng, tf } from '@scalespace/core';
import { RunningBatchNorm } from './batch-norm.js';
import { InstanceNorm } from './instance-norm.js';
import { leakyRelu, padSpatial, reflectPadSpatial } from './ops.js';

export type BlockPadding = 'valid' | 'zeros' | 'reflect';
export type BlockActivation = 'leaky' | 'relu' | 'none';
/** 'instance': per image and channel (scalespace's training); 'batch': fixed running statistics (official SinGAN). */
export type BlockNorm = 'instance' | 'batch';

export interface ConvBlockOptions {
  inChannels: number;
  outChannels: number;
  kernelSize?: number;
  stride?: number;
  dilation?: number;
  /** 'valid': no padding (the output shrinks, SinGAN); 'zeros' / 'reflect': same size. */
  padding?: BlockPadding;
  /** Normalisation after the conv: true or 'instance' (default), 'batch', or false for none. */
  norm?: boolean | BlockNorm;
  activation?: BlockActivation;
  /** SinGAN's initialisation: conv weights N(0, 0.02), norm scales N(1, 0.02). Default: PyTorch's uniform. */
  ganInit?: boolean;
  rng: Rng;
}

/** Every s-th row and column, starting at the first: [N, H, W, C] -> [N, ceil(H / s), ceil(W / s), C]. */
export function subsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const hh = Math.ceil(h / s);
    const ww = Math.ceil(w / s);
    const padded =
      hh * s === h && ww * s === w
        ? x
        : tf.pad(x, [
            [0, 0],
            [0, hh * s - h],
            [0, ww * s - w],
            [0, 0],
          ]);
    const grid = tf.reshape(padded, [n * hh, s, ww, s * c]);
    return tf.reshape(tf.slice(grid, [0, 0, 0, 0], [n * hh, 1, ww, c]), [n, hh, ww, c]) as tf.Tensor4D;
  });
}

/** Conv, instance norm, LeakyReLU(0.2): the block both single-image GANs are made of. */
export class ConvBlock extends Module {
  readonly conv: Conv2d;
  readonly norm: InstanceNorm | RunningBatchNorm | null;
  readonly activation: BlockActivation;
  readonly padding: BlockPadding;
  readonly stride: number;
  readonly #pad: number;

  constructor(options: ConvBlockOptions) {
    super();
    const {
      inChannels,
      outChannels,
      kernelSize = 3,
      stride = 1,
      dilation = 1,
      padding = 'valid',
      norm = true,
      activation = 'leaky',
      ganInit = false,
      rng,
    } = options;
    this.conv = this.child(
      'conv',
      new Conv2d({ inChannels, outChannels, kernelSize, dilation, padding: 'valid', rng: rng.fork('conv') }),
    );
    if (ganInit) {
      const w = rng.fork('init').normalTensor(this.conv.weight.shape, { std: 0.02 });
      this.conv.weight.assign(w);
      w.dispose();
    }
    const gr = rng.fork('norm');
    this.norm =
      norm === 'batch'
        ? this.child('norm', new RunningBatchNorm(outChannels))
        : norm
          ? this.child(
              'norm',
              new InstanceNorm(
                outChannels,
                ganInit ? { gammaInit: () => gr.normalTensor([outChannels], { mean: 1, std: 0.02 }) } : {},
              ),
            )
          : null;
    this.activation = activation;
    this.padding = padding;
    this.stride = stride;
    this.#pad = padding === 'valid' ? 0 : (dilation * (kernelSize - 1)) / 2;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const padded = this.padding === 'reflect' ? reflectPadSpatial(x, this.#pad) : padSpatial(x, this.#pad);
      let y = this.conv.forward(padded);
      // A strided conv as a stride-1 conv and a subsampling (reshape + slice): the same result, and
      // both its gradient and the gradient of that gradient (WGAN-GP) run on fast kernels.
      if (this.stride > 1) y = subsample(y, this.stride);
      if (this.norm) y = this.norm.forward(y);
      if (this.activation === 'leaky') y = leakyRelu(y, 0.2) as tf.Tensor4D;
      else if (this.activation === 'relu') y = tf.relu(y);
      return y;
    });
  }
}

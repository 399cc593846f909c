import { Conv2d, Module, type Rng, tf } from '@scalespace/core';
import type { BlockSpec } from './block-string.js';
import { type Activation, BottleneckBlock, zeroOut } from './bottleneck-block.js';

/** Activations of a bottom-up pass by resolution (the side of the square feature map). */
export type Activations = Record<number, tf.Tensor4D>;

/** Zero-pads the channel axis of x up to `width` (the official `pad_channels`). */
export function padChannels(x: tf.Tensor4D, width: number): tf.Tensor4D {
  const c = x.shape[3];
  if (c === width) return x;
  return tf.pad(x, [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, width - c],
  ]);
}

export interface BottomUpOptions {
  imageChannels: number;
  /** Width of the input convolution's output (the config's `width`). */
  width: number;
  blocks: BlockSpec[];
  widthAt(res: number): number;
  bottleneckMultiple: number;
  activation?: Activation;
  rng: Rng;
}

/**
 * The bottom-up pass of VD-VAE: a 3x3 input convolution (`in_conv`) and a stack of residual bottleneck
 * blocks (`enc_blocks.i`) that average-pool at each `d` entry. It returns the last activation at each
 * resolution, which the top-down blocks read. CVDVAE's low-resolution encoder has the same structure.
 */
export class BottomUpEncoder extends Module {
  readonly in_conv: Conv2d;
  readonly enc_blocks: BottleneckBlock[];
  readonly #widthAt: (res: number) => number;

  constructor(options: BottomUpOptions) {
    super();
    const { imageChannels, width, blocks, widthAt, bottleneckMultiple, rng } = options;
    this.in_conv = this.child(
      'in_conv',
      new Conv2d({ inChannels: imageChannels, outChannels: width, kernelSize: 3, rng: rng.fork('in_conv') }),
    );
    zeroOut(this.in_conv.bias);
    const scale = Math.sqrt(1 / blocks.length);
    this.enc_blocks = this.childList(
      'enc_blocks',
      blocks.map((b, i) => {
        const w = widthAt(b.res);
        return new BottleneckBlock({
          inWidth: w,
          middleWidth: Math.floor(w * bottleneckMultiple),
          outWidth: w,
          residual: true,
          use3x3: b.res > 2,
          lastScale: scale,
          ...(options.activation && { activation: options.activation }),
          ...(b.downRate !== undefined && { downRate: b.downRate }),
          rng: rng.fork(`enc_blocks.${i}`),
        });
      }),
    );
    this.#widthAt = widthAt;
  }

  /** The last activation at each resolution, for a normalised input [N, H, W, C]. The caller owns the tensors. */
  forward(x: tf.Tensor4D): Activations {
    return tf.tidy(() => {
      const acts: Activations = {};
      let h = this.in_conv.forward(x);
      acts[h.shape[1]] = h;
      for (const block of this.enc_blocks) {
        const out = block.forward(h);
        const next = padChannels(out, this.#widthAt(out.shape[1]));
        // What is superseded is freed now rather than at the end, so that large networks fit in memory.
        if (next !== out) out.dispose();
        if (next.shape[1] === h.shape[1]) h.dispose();
        h = next;
        acts[h.shape[1]] = h;
      }
      return acts;
    });
  }
}

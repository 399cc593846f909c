import { InvalidArgumentError, Module, type Rng, tf } from '@scalespace/core';
import { GatedResnet } from './gated-resnet.js';
import { ShiftedConv2d, type ShiftedConvOptions, ShiftedConvTranspose2d } from './shifted-conv.js';

// The U-Net of PixelCNN++ (Salimans et al. 2017, section 2.3; openai/pixel-cnn): the up pass (PixelCNN's
// uBlocks / ulBlocks) runs `resnets` gated blocks per resolution and halves H and W between resolutions with
// stride-2 shifted convs; the down pass runs back up with stride-2 shifted transposed convs, its blocks reading
// the up pass's outputs in reverse order through their auxiliary input (u: the matching u output; ul: u and the
// matching ul output): `resnets` blocks at the lowest resolution, `resnets + 1` at each higher one.

export interface PixelCNNUnetConfig {
  /** Resolutions the streams visit (3 in the paper; 2 in visinf/pixelpyramids' PixelCNNpp). */
  resolutions: number;
  /**
   * What the down pass's ul blocks take as their residual input: 'ul', the ul stream (the paper, openai/pixel-cnn),
   * or 'u', the u stream just computed (visinf/pixelpyramids' unet/pixelcnnpp.py passes u there).
   */
  downUlInput: 'ul' | 'u';
}

export function validateUnetConfig(unet: PixelCNNUnetConfig): void {
  if (!Number.isInteger(unet.resolutions) || unet.resolutions < 1 || unet.resolutions > 8)
    throw new InvalidArgumentError(`PixelCNN unet.resolutions must be an integer in 1..8, got ${unet.resolutions}`);
  if (unet.downUlInput !== 'ul' && unet.downUlInput !== 'u')
    throw new InvalidArgumentError(`PixelCNN unet.downUlInput must be 'ul' or 'u', got ${String(unet.downUlInput)}`);
}

/** The U-Net's resampling convs and down pass (the up pass's blocks live in PixelCNN). */
export class PixelCNNDownPass extends Module {
  /** Stride-2 shifted convs between the up pass's resolutions, in the order they run. */
  readonly uShrink: ShiftedConv2d[];
  readonly ulShrink: ShiftedConv2d[];
  /** Stride-2 shifted transposed convs between the down pass's resolutions, in the order they run. */
  readonly uGrow: ShiftedConvTranspose2d[];
  readonly ulGrow: ShiftedConvTranspose2d[];
  /** The down pass's gated blocks, in the order they run. */
  readonly uBlocks: GatedResnet[];
  readonly ulBlocks: GatedResnet[];
  readonly #config: PixelCNNUnetConfig;
  readonly #resnets: number;

  constructor(options: { unet: PixelCNNUnetConfig; filters: number; resnets: number; dropout: number; rng: Rng }) {
    super();
    const { unet, filters, resnets, dropout, rng } = options;
    validateUnetConfig(unet);
    this.#config = unet;
    this.#resnets = resnets;
    const steps = unet.resolutions - 1;
    // The stride-2 convs (ShiftedConv2d) and transposed convs (ShiftedConvTranspose2d) of both streams.
    const resample = <M>(Kind: new (o: ShiftedConvOptions) => M, kind: 'down' | 'down-right', name: string) =>
      Array.from(
        { length: steps },
        (_, i) =>
          new Kind({
            inChannels: filters,
            outChannels: filters,
            filter: kind === 'down' ? [2, 3] : [2, 2],
            kind,
            stride: 2,
            rng: rng.fork(`${name}${i}`),
          }),
      );
    this.uShrink = this.childList('uShrink', resample(ShiftedConv2d, 'down', 'uShrink'));
    this.ulShrink = this.childList('ulShrink', resample(ShiftedConv2d, 'down-right', 'ulShrink'));
    this.uGrow = this.childList('uGrow', resample(ShiftedConvTranspose2d, 'down', 'uGrow'));
    this.ulGrow = this.childList('ulGrow', resample(ShiftedConvTranspose2d, 'down-right', 'ulGrow'));
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const blocks = resnets + steps * (resnets + 1);
    const block = (kind: 'down' | 'down-right', i: number) =>
      new GatedResnet({
        filters,
        kind,
        auxChannels: kind === 'down' ? filters : 2 * filters,
        dropout,
        rng: rng.fork(`${kind === 'down' ? 'uDown' : 'ulDown'}${i}`),
      });
    this.uBlocks = this.childList(
      'uBlocks',
      range(blocks).map((i) => block('down', i)),
    );
    this.ulBlocks = this.childList(
      'ulBlocks',
      range(blocks).map((i) => block('down-right', i)),
    );
  }

  /** The smallest factor H and W must be divisible by. */
  get divisor(): number {
    return 2 ** (this.#config.resolutions - 1);
  }

  /** Halves both streams between up-pass resolutions `step` and `step + 1`. */
  shrink(step: number, u: tf.Tensor4D, ul: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
    return [this.uShrink[step].forward(u), this.ulShrink[step].forward(ul)];
  }

  /**
   * The down pass. `us` and `uls` are the up pass's outputs in order (the initial streams first), all of which
   * it consumes; returns the ul stream at full resolution.
   */
  forward(us: tf.Tensor4D[], uls: tf.Tensor4D[]): tf.Tensor4D {
    const take = (list: tf.Tensor4D[]) => {
      const t = list.pop();
      if (!t) throw new InvalidArgumentError('PixelCNN down pass: the up pass gave too few outputs');
      return t;
    };
    let u = take(us);
    let ul = take(uls);
    let k = 0;
    for (let r = this.#config.resolutions - 1; r >= 0; r--) {
      const top = r === this.#config.resolutions - 1;
      if (!top) {
        const step = this.#config.resolutions - 2 - r;
        u = this.uGrow[step].forward(u);
        ul = this.ulGrow[step].forward(ul);
      }
      for (let i = 0; i < (top ? this.#resnets : this.#resnets + 1); i++, k++) {
        u = this.uBlocks[k].forward(u, take(us));
        const input = this.#config.downUlInput === 'u' ? u : ul;
        ul = this.ulBlocks[k].forward(input, tf.concat([u, take(uls)], 3) as tf.Tensor4D);
      }
    }
    return ul;
  }
}

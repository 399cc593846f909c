import { Module, type Rng, tf } from '@scalespace/core';

// The causal convolutions of PixelCNN++ (Salimans et al. 2017). A "down-shifted" conv sees only rows
// above and the current row's neighbours ahead of it are excluded by the later down_shift; a
// "down-right-shifted" conv sees rows above and pixels to the left. Both are ordinary convs applied
// after padding the top (and left) so every output depends only on earlier pixels in raster order.

export type ShiftKind = 'down' | 'down-right';

/** Shifts an image down by one row (zeros on top, last row dropped). */
export function downShift(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    return tf.slice(
      tf.pad(x, [
        [0, 0],
        [1, 0],
        [0, 0],
        [0, 0],
      ]),
      [0, 0, 0, 0],
      [n, h, w, c],
    );
  });
}

/** Shifts an image right by one column. */
export function rightShift(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    return tf.slice(
      tf.pad(x, [
        [0, 0],
        [0, 0],
        [1, 0],
        [0, 0],
      ]),
      [0, 0, 0, 0],
      [n, h, w, c],
    );
  });
}

export interface ShiftedConvOptions {
  inChannels: number;
  outChannels: number;
  /** [height, width] of the filter: [2, 3] for down, [2, 2] for down-right in PixelCNN++. */
  filter: [number, number];
  kind: ShiftKind;
  stride?: number;
  rng: Rng;
}

/** A causally padded conv ('down' pads top and both sides, 'down-right' pads top and left). */
export class ShiftedConv2d extends Module {
  readonly conv: RectConv2d;
  readonly #filter: [number, number];
  readonly #kind: ShiftKind;
  readonly #stride: number;

  constructor(options: ShiftedConvOptions) {
    super();
    const [fh, fw] = options.filter;
    this.#filter = options.filter;
    this.#kind = options.kind;
    this.#stride = options.stride ?? 1;
    this.conv = this.child(
      'conv',
      new RectConv2d({
        inChannels: options.inChannels,
        outChannels: options.outChannels,
        fh,
        fw,
        stride: this.#stride,
        rng: options.rng,
      }),
    );
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [fh, fw] = this.#filter;
      const pads: [[number, number], [number, number], [number, number], [number, number]] =
        this.#kind === 'down'
          ? [
              [0, 0],
              [fh - 1, 0],
              [(fw - 1) >> 1, (fw - 1) >> 1],
              [0, 0],
            ]
          : [
              [0, 0],
              [fh - 1, 0],
              [fw - 1, 0],
              [0, 0],
            ];
      return this.conv.forward(tf.pad(x, pads));
    });
  }
}

/** A conv with a rectangular fh x fw filter and 'valid' padding. */
export class RectConv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly #stride: number;
  constructor(o: { inChannels: number; outChannels: number; fh: number; fw: number; stride: number; rng: Rng }) {
    super();
    const bound = 1 / Math.sqrt(o.inChannels * o.fh * o.fw);
    this.weight = this.param('weight', () =>
      o.rng.uniformTensor([o.fh, o.fw, o.inChannels, o.outChannels], { min: -bound, max: bound }),
    );
    this.bias = this.param('bias', () => tf.zeros([o.outChannels]));
    this.#stride = o.stride;
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(tf.conv2d(x, this.weight as tf.Tensor4D, this.#stride, 'valid'), this.bias));
  }
}

/**
 * The transposed (up-sampling) partner of a strided shifted conv in PixelCNN++'s U-Net: a transposed conv with
 * an fh x fw filter and stride s, cropped so that output pixels still depend only on earlier ones: the first
 * (H - 1) s + s rows, and for 'down' the columns from fw / 2 on, for 'down-right' the first (W - 1) s + s
 * columns. With a [2, 3] (down) or [2, 2] (down-right) filter and stride 2, [N, H, W, C] -> [N, 2H, 2W, C'].
 */
export class ShiftedConvTranspose2d extends Module {
  /** [fh, fw, outChannels, inChannels] (tfjs' conv2dTranspose layout). */
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly #filter: [number, number];
  readonly #kind: ShiftKind;
  readonly #stride: number;
  readonly #out: number;

  constructor(options: ShiftedConvOptions) {
    super();
    const [fh, fw] = options.filter;
    const { inChannels, outChannels } = options;
    const bound = 1 / Math.sqrt(inChannels * fh * fw);
    this.weight = this.param('weight', () =>
      options.rng.uniformTensor([fh, fw, outChannels, inChannels], { min: -bound, max: bound }),
    );
    this.bias = this.param('bias', () => tf.zeros([outChannels]));
    this.#filter = options.filter;
    this.#kind = options.kind;
    this.#stride = options.stride ?? 2;
    this.#out = outChannels;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      const [fh, fw] = this.#filter;
      const s = this.#stride;
      const full = tf.conv2dTranspose(
        x,
        this.weight as tf.Tensor4D,
        [n, (h - 1) * s + fh, (w - 1) * s + fw, this.#out],
        s,
        'valid',
      );
      const left = this.#kind === 'down' ? fw >> 1 : 0;
      const width = this.#kind === 'down' ? (w - 1) * s + fw - left : (w - 1) * s + s;
      return tf.add(tf.slice(full, [0, 0, left, 0], [n, (h - 1) * s + s, width, this.#out]), this.bias);
    });
  }
}

import { Module, type Rng, tf } from '@scalespace/core';
import { RectConv2d, ShiftedConv2d, type ShiftKind } from './shifted-conv.js';

/** concat_elu(x) = elu([x, -x]) along channels: keeps both signs' information (PixelCNN++). */
export function concatElu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.elu(tf.concat([x, tf.neg(x)], 3)) as tf.Tensor4D);
}

export interface GatedResnetOptions {
  filters: number;
  kind: ShiftKind;
  /** Channels of the auxiliary input `a` (the u stream fed to the ul stream), 0 for none. */
  auxChannels?: number;
  /** Channels of a conditioning map added inside the block, 0 for none. */
  conditionChannels?: number;
  dropout?: number;
  rng: Rng;
}

/**
 * PixelCNN++'s gated residual block: c1 = conv(concat_elu(x)) [+ nin(concat_elu(a))], c2 =
 * conv(dropout(concat_elu(c1))) [+ nin(condition)], x + c2a * sigmoid(c2b).
 */
export class GatedResnet extends Module {
  readonly conv1: ShiftedConv2d;
  readonly conv2: ShiftedConv2d;
  readonly aux: RectConv2d | null;
  readonly condition: RectConv2d | null;
  readonly #dropout: number;
  readonly #rng: Rng;

  constructor(o: GatedResnetOptions) {
    super();
    const filter: [number, number] = o.kind === 'down' ? [2, 3] : [2, 2];
    this.conv1 = this.child(
      'conv1',
      new ShiftedConv2d({
        inChannels: 2 * o.filters,
        outChannels: o.filters,
        filter,
        kind: o.kind,
        rng: o.rng.fork('conv1'),
      }),
    );
    this.conv2 = this.child(
      'conv2',
      new ShiftedConv2d({
        inChannels: 2 * o.filters,
        outChannels: 2 * o.filters,
        filter,
        kind: o.kind,
        rng: o.rng.fork('conv2'),
      }),
    );
    this.aux = o.auxChannels
      ? this.child(
          'aux',
          new RectConv2d({
            inChannels: 2 * o.auxChannels,
            outChannels: o.filters,
            fh: 1,
            fw: 1,
            stride: 1,
            rng: o.rng.fork('aux'),
          }),
        )
      : null;
    this.condition = o.conditionChannels
      ? this.child(
          'condition',
          new RectConv2d({
            inChannels: o.conditionChannels,
            outChannels: 2 * o.filters,
            fh: 1,
            fw: 1,
            stride: 1,
            rng: o.rng.fork('cond'),
          }),
        )
      : null;
    this.#dropout = o.dropout ?? 0;
    this.#rng = o.rng.fork('dropout');
  }

  forward(x: tf.Tensor4D, a?: tf.Tensor4D, condition?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let c1 = this.conv1.forward(concatElu(x));
      if (this.aux && a) c1 = tf.add(c1, this.aux.forward(concatElu(a)));
      let h = concatElu(c1);
      if (this.training && this.#dropout > 0)
        h = tf.dropout(h, this.#dropout, undefined, this.#rng.nextUint32()) as tf.Tensor4D;
      let c2 = this.conv2.forward(h);
      if (this.condition && condition) c2 = tf.add(c2, this.condition.forward(condition));
      const [gate, value] = tf.split(c2, 2, 3);
      return tf.add(x, tf.mul(gate, tf.sigmoid(value))) as tf.Tensor4D;
    });
  }
}

import { Conv2d, Module, type Rng, tf } from '@scalespace/core';

/** Hidden and cell state of a ConvLSTM, [N, H, W, hidden] each. */
export interface ConvLstmState {
  h: tf.Tensor4D;
  c: tf.Tensor4D;
}

/**
 * A convolutional LSTM cell (Shi et al. 2015): the four gates come from one 3x3 conv of
 * [input, h]; c' = f * c + i * tanh(g), h' = o * tanh(c'). The forget gate starts biased open.
 */
export class ConvLstmCell extends Module {
  readonly gates: Conv2d;
  readonly hidden: number;

  constructor(options: { inChannels: number; hidden: number; rng: Rng }) {
    super();
    this.hidden = options.hidden;
    this.gates = this.child(
      'gates',
      new Conv2d({
        inChannels: options.inChannels + options.hidden,
        outChannels: 4 * options.hidden,
        kernelSize: 3,
        rng: options.rng,
      }),
    );
    const bias = new Float32Array(4 * options.hidden);
    bias.fill(1, options.hidden, 2 * options.hidden);
    tf.tidy(() => this.gates.bias?.assign(tf.tensor1d(bias)));
  }

  /** A zero state for inputs of size [n, h, w]. */
  initialState(n: number, h: number, w: number): ConvLstmState {
    return { h: tf.zeros([n, h, w, this.hidden]), c: tf.zeros([n, h, w, this.hidden]) };
  }

  /** One step; the caller owns (and disposes) both the old and the new state. */
  step(x: tf.Tensor4D, state: ConvLstmState): ConvLstmState {
    return tf.tidy(() => {
      const z = this.gates.forward(tf.concat([x, state.h], 3) as tf.Tensor4D);
      const [i, f, g, o] = tf.split(z, 4, 3);
      const c = tf.add(tf.mul(tf.sigmoid(f), state.c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor4D;
      const h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor4D;
      return { h, c };
    });
  }
}

import { tf } from '@scalespace/core';

// (Belongs in @scalespace/core beside logisticMixtureSample; kept here until core has it.)

/**
 * The deterministic "mode" of a discretized logistic mixture in core's parameter layout: the component
 * with the largest weight, its (channel-coupled) means, clipped to [-1, 1] and rounded to the nearest
 * bin. Returns integers [..., C] (int32). What temperature-0 decoding outputs.
 */
export function logisticMixtureMode(
  params: tf.Tensor,
  options: { bits: number; components: number; channels: number; spacing?: number },
): tf.Tensor {
  const { bits, components: k, channels: c } = options;
  const n = 2 ** bits;
  const spacing = options.spacing ?? 2 / (n - 1); // value q sits at -1 + q * spacing (core's logistic mixture)
  return tf.tidy(() => {
    const lead = params.shape.slice(0, -1);
    const count = lead.reduce((a, b) => a * b, 1);
    const pairs = (c * (c - 1)) / 2;
    const sizes = [k, c * k, c * k, ...(pairs > 0 ? [pairs * k] : [])];
    const parts = tf.split(tf.reshape(params, [count, -1]), sizes, -1);
    const choice = tf.oneHot(tf.argMax(parts[0], -1), k); // [count, K]
    const pick = (t: tf.Tensor, rows: number) =>
      tf.sum(tf.mul(tf.reshape(t, [count, rows, k]), tf.expandDims(choice, 1)), -1);
    const means = tf.unstack(pick(parts[1], c), 1);
    const coeffs = pairs > 0 ? tf.unstack(tf.tanh(pick(parts[3], pairs)), 1) : [];
    const drawn: tf.Tensor[] = [];
    let pair = 0;
    for (let ch = 0; ch < c; ch++) {
      let m = means[ch];
      for (let prev = 0; prev < ch; prev++) m = tf.add(m, tf.mul(coeffs[pair++], drawn[prev]));
      const value = tf.clipByValue(m, -1, 1);
      const q = tf.clipByValue(tf.round(tf.mul(tf.add(value, 1), 1 / spacing)), 0, n - 1);
      drawn.push(tf.sub(tf.mul(q, spacing), 1));
    }
    const ints = tf.round(tf.mul(tf.add(tf.stack(drawn, 1), 1), 1 / spacing));
    return tf.cast(tf.reshape(ints, [...lead, c]), 'int32');
  });
}

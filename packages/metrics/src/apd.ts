import { InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';

/** A distance between two images of the same shape. */
export type ImageDistance = (a: tf.Tensor, b: tf.Tensor) => number | Promise<number>;

/** Mean squared difference (images in [0, 1]): CVDVAE's APD "MSE" column. */
export const mseDistance = async (a: tf.Tensor, b: tf.Tensor): Promise<number> => {
  const mse = tf.tidy(() => tf.mean(tf.squaredDifference(a, b)));
  const [value] = await mse.data();
  mse.dispose();
  return value;
};

/**
 * Average pairwise distance among samples generated for one input (CVDVAE's diversity measure):
 * the mean of distance(s_i, s_j) over all pairs i < j. Samples as a list of [H, W, C] or a batch
 * [S, H, W, C]; at least two. Identical samples give 0.
 */
export async function apd(
  samples: tf.Tensor[] | tf.Tensor,
  options: { distance?: ImageDistance } = {},
): Promise<number> {
  const distance = options.distance ?? mseDistance;
  const list = Array.isArray(samples) ? samples : tf.unstack(samples);
  try {
    if (list.length < 2) throw new InvalidArgumentError(`apd needs at least 2 samples, got ${list.length}`);
    const shape = list[0].shape;
    for (const s of list) {
      if (s.shape.length !== shape.length || s.shape.some((d, i) => d !== shape[i])) {
        throw new InvalidImageError(`apd: samples differ in shape, [${shape.join(', ')}] vs [${s.shape.join(', ')}]`);
      }
    }
    let total = 0;
    let pairs = 0;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        total += await distance(list[i], list[j]);
        pairs++;
      }
    }
    return total / pairs;
  } finally {
    if (!Array.isArray(samples)) tf.dispose(list);
  }
}

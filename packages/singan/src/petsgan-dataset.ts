import { type Rng, tf } from '@scalespace/core';
import { resizeTo, toSigned } from './ops.js';
import type { PetsGAN } from './petsgan.js';
import type { PetsGANTrainOptions } from './petsgan-options.js';
import type { Size } from './pyramid-sizes.js';
import { tpsWarp } from './tps-warp.js';
import { loadTrainingImage } from './training-image.js';

/** The low-res data set (the GAN's training set, in [-1, 1]): warped/flipped versions of the image, copies of it and its mirror, external samples. */
export async function lowResDataset(
  image: tf.Tensor3D,
  lowResSize: Size,
  o: Required<PetsGANTrainOptions>,
  external: Array<tf.Tensor3D | string>,
  r: Rng,
): Promise<tf.Tensor4D> {
  const items: tf.Tensor4D[] = [];
  const toLow = (img: tf.Tensor3D) =>
    tf.tidy(() => toSigned(resizeTo(tf.expandDims(img, 0) as tf.Tensor4D, ...lowResSize)) as tf.Tensor4D);
  for (let i = 0; i < o.augmentations; i++) {
    const a = r.fork(`aug${i}`);
    // As the authors: one or both of {mirror with p 0.5, thin-plate-spline warp}, in random order.
    const ops = a.shuffle(['flip', 'tps']).slice(0, 1 + a.int(2));
    let img: tf.Tensor3D = tf.clone(image);
    for (const op of ops) {
      const next =
        op === 'flip'
          ? a.uniform() < 0.5
            ? (tf.reverse(img, 1) as tf.Tensor3D)
            : tf.clone(img)
          : await tpsWarp(img, { scale: o.warpScale, rng: a });
      img.dispose();
      img = next;
    }
    items.push(toLow(img));
    img.dispose();
  }
  for (const source of external) {
    const img = await loadTrainingImage(source);
    const low = toLow(img);
    items.push(
      low,
      tf.tidy(() => tf.reverse(low, 2) as tf.Tensor4D),
    );
    img.dispose();
  }
  const low = toLow(image);
  const mirror = tf.tidy(() => tf.reverse(low, 2) as tf.Tensor4D);
  const data = tf.tidy(
    () =>
      tf.concat([...items, tf.tile(low, [o.copies, 1, 1, 1]), tf.tile(mirror, [o.copies, 1, 1, 1])], 0) as tf.Tensor4D,
  );
  tf.dispose([...items, low, mirror]);
  return data;
}

/** The training image and its mirror, at full and at low resolution, in [-1, 1] (what the restoration learns to map). */
export interface TrainingPairs {
  /** [image, mirror] at the model's resolution, [1, H, W, 3]. */
  highRes: [tf.Tensor4D, tf.Tensor4D];
  /** [image, mirror] at the low resolution, [1, h, w, 3]. */
  lowRes: [tf.Tensor4D, tf.Tensor4D];
}

/** The training pairs of a model whose images are set (owned by the caller). */
export function trainingPairs(model: PetsGAN): TrainingPairs {
  const [highRes, lowRes] = [model.net.image, model.net.lowRes].map((x) => tf.tidy(() => toSigned(x) as tf.Tensor4D));
  const mirror = (x: tf.Tensor4D) => tf.tidy(() => tf.reverse(x, 2) as tf.Tensor4D);
  return { highRes: [highRes, mirror(highRes)], lowRes: [lowRes, mirror(lowRes)] };
}

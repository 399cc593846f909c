// A fast Haar step for the samplers' inner loops. It equals @scalespace/pyramids' `dwt2` / `idwt2` with the
// haar wavelet divided by 2 per level (the 'average' normalisation of `wavedec2`), band order included,
// which haar.test.ts checks; pyramids computes it with dense per-axis matrices (about 0.7 s + 1.4 s for a
// 512x512 image on wasm), this with strided slices (milliseconds).
import { InvalidArgumentError, tf } from '@scalespace/core';

/**
 * One level of the 2-D Haar transform with the paper's normalisation: the orthonormal coefficients at
 * level j (0 = finest) are divided by 2^(j+1), which makes every step the same operator on the low-pass
 * image: the low-pass band is the 2x2 block average (an image in image range) and the three detail bands
 * are the block's signed sums divided by 4, in PyWavelets' order (horizontal, vertical, diagonal):
 *   low = (a + b + c + d) / 4, h = (a + b - c - d) / 4, v = (a - b + c - d) / 4, d = (a - b - c + d) / 4
 * for the block [[a, b], [c, d]] (h differences along H, v along W). `details` stacks h, v, d: channels
 * [h0..hC-1, v0.., d0..] for C input channels. Noise of std sigma in the image becomes sigma / 2 per band.
 */
export function haarStep(x: tf.Tensor4D): { low: tf.Tensor4D; details: tf.Tensor4D } {
  const [n, h, w, c] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) {
    throw new InvalidArgumentError(
      `Haar step needs even height and width, got ${h}x${w}; crop or pad the image to a multiple of 2^levels`,
    );
  }
  return tf.tidy(() => {
    // The four pixels of each 2x2 block [[a, b], [c, d]] as quarter-size images.
    const part = (dy: number, dx: number) => tf.stridedSlice(x, [0, dy, dx, 0], [n, h, w, c], [1, 2, 2, 1]);
    const [a, b, cc, d] = [part(0, 0), part(0, 1), part(1, 0), part(1, 1)];
    const apc = tf.add(a, cc);
    const bpd = tf.add(b, d);
    const amc = tf.sub(a, cc);
    const bmd = tf.sub(b, d);
    const low = tf.mul(tf.add(apc, bpd), 0.25) as tf.Tensor4D;
    const hh = tf.mul(tf.add(amc, bmd), 0.25);
    const vv = tf.mul(tf.sub(apc, bpd), 0.25);
    const dd = tf.mul(tf.sub(amc, bmd), 0.25);
    return { low, details: tf.concat([hh, vv, dd], 3) as tf.Tensor4D };
  });
}

/** The inverse of `haarStep`: the image at twice the size from its low-pass and detail bands. */
export function inverseHaarStep(low: tf.Tensor4D, details: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = low.shape;
  if (details.shape[0] !== n || details.shape[1] !== h || details.shape[2] !== w || details.shape[3] !== 3 * c) {
    throw new InvalidArgumentError(
      `inverse Haar step: details must be [${n}, ${h}, ${w}, ${3 * c}] for a low-pass band [${low.shape.join(', ')}], got [${details.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const band = (k: number) => tf.slice(details, [0, 0, 0, k * c], [n, h, w, c]);
    const [hh, vv, dd] = [band(1), band(0), band(2)]; // (a - b + c - d) / 4 first: the W-differences
    const lph = tf.add(low, hh);
    const lmh = tf.sub(low, hh);
    const vpd = tf.add(vv, dd);
    const vmd = tf.sub(vv, dd);
    const a = tf.add(lph, vpd);
    const b = tf.add(lmh, vmd);
    const cc = tf.sub(lph, vpd);
    const d = tf.sub(lmh, vmd);
    return tf.depthToSpace(tf.concat([a, b, cc, d], 3) as tf.Tensor4D, 2);
  });
}

/** `levels` Haar steps: the coarsest low-pass band and the detail bands, finest first. */
export function haarDecompose(x: tf.Tensor4D, levels: number): { low: tf.Tensor4D; details: tf.Tensor4D[] } {
  if (!Number.isInteger(levels) || levels < 0)
    throw new InvalidArgumentError(`levels must be a non-negative integer, got ${levels}`);
  const [, h, w] = x.shape;
  const block = 2 ** levels;
  if (h % block !== 0 || w % block !== 0) {
    throw new InvalidArgumentError(
      `${levels} Haar levels need height and width divisible by ${block}, got ${h}x${w}; crop or pad the image`,
    );
  }
  const details: tf.Tensor4D[] = [];
  let low = x;
  for (let j = 0; j < levels; j++) {
    const step = haarStep(low);
    if (low !== x) low.dispose();
    low = step.low;
    details.push(step.details);
  }
  return { low: low === x ? (x.clone() as tf.Tensor4D) : low, details };
}

/** Inverse of `haarDecompose`. */
export function haarReconstruct(low: tf.Tensor4D, details: tf.Tensor4D[]): tf.Tensor4D {
  return tf.tidy(() => {
    let x = low;
    for (let j = details.length - 1; j >= 0; j--) x = inverseHaarStep(x, details[j]);
    return x === low ? (low.clone() as tf.Tensor4D) : x;
  });
}

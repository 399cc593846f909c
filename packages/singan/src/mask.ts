import { InvalidArgumentError, tf } from '@scalespace/core';
import { resizeTo } from './ops.js';
import { intIn, numberIn } from './validate.js';

/** How `dilateMask` softens a mask: SinGAN's harmonisation and editing values. */
export interface DilateMaskOptions {
  /** Radius of the disk the mask grows by, in pixels (SinGAN: 7 for harmonisation, 20 for editing). */
  radius: number;
  /** Standard deviation of the Gaussian blur after the dilation, in pixels (default 5, as SinGAN; 0: none). */
  sigma?: number;
}

/** SinGAN's dilation radius for each masked application, at the model's resolution. */
export const MASK_DILATION = { harmonize: 7, edit: 20 } as const;

/**
 * SinGAN's soft mask for harmonisation and editing (its `dilate_mask`): the pixels set in the mask
 * (at least 1/255, as its 8-bit copy has them) grow by a disk of `radius`, the result is blurred by
 * a Gaussian of `sigma` (edge pixels repeated beyond the border, truncated at 4 sigma, as scikit-image
 * does) and stretched to span [0, 1]. The generated image then blends into the original over a
 * band around the edited region instead of at a hard edge. [H, W, 1] in [0, 1] -> [H, W, 1].
 */
export function dilateMask(mask: tf.Tensor3D, options: DilateMaskOptions): tf.Tensor3D {
  if (mask.rank !== 3 || mask.shape[2] !== 1)
    throw new InvalidArgumentError(`dilateMask: mask must be [H, W, 1], got [${mask.shape.join(', ')}]`);
  const radius = intIn(options.radius, 7, 0, 256, 'dilateMask: radius');
  const sigma = numberIn(options.sigma, 5, 0, 256, 'dilateMask: sigma');
  return tf.tidy(() => {
    const set = tf.cast(tf.greaterEqual(tf.mul(mask, 255), 1), 'float32').expandDims(0) as tf.Tensor4D;
    const grown = radius === 0 ? set : tf.cast(tf.greater(tf.conv2d(set, disk(radius), 1, 'same'), 0.5), 'float32');
    const soft = sigma === 0 ? grown : gaussianBlur(grown as tf.Tensor4D, sigma);
    const lo = tf.min(soft);
    const span = tf.sub(tf.max(soft), lo);
    // A mask with nothing or everything set has no span: it stays as it is.
    const stretched = tf.where(tf.greater(span, 1e-6), tf.div(tf.sub(soft, lo), tf.maximum(span, 1e-6)), soft);
    return tf.squeeze(stretched, [0]) as tf.Tensor3D;
  });
}

/** The disk structuring element of radius r (x^2 + y^2 <= r^2) as a [2r+1, 2r+1, 1, 1] kernel of ones. */
function disk(r: number): tf.Tensor4D {
  const size = 2 * r + 1;
  const values = new Float32Array(size * size);
  for (let y = -r; y <= r; y++)
    for (let x = -r; x <= r; x++) values[(y + r) * size + x + r] = x * x + y * y <= r * r ? 1 : 0;
  return tf.tensor4d(values, [size, size, 1, 1]);
}

/** A separable Gaussian blur of [1, H, W, 1] with edge pixels repeated (scipy's mode 'nearest', truncate 4). */
function gaussianBlur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  const r = Math.floor(4 * sigma + 0.5);
  const taps = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp((-0.5 * (i - r) ** 2) / sigma ** 2));
  const sum = taps.reduce((a, b) => a + b, 0);
  const weights = taps.map((t) => t / sum);
  const [, h, w] = x.shape;
  const clamped = (n: number) =>
    tf.tensor1d(
      Array.from({ length: n + 2 * r }, (_, i) => Math.min(n - 1, Math.max(0, i - r))),
      'int32',
    );
  const rows = tf.conv2d(
    tf.gather(x, clamped(h), 1) as tf.Tensor4D,
    tf.tensor4d(weights, [2 * r + 1, 1, 1, 1]),
    1,
    'valid',
  );
  return tf.conv2d(
    tf.gather(rows, clamped(w), 2) as tf.Tensor4D,
    tf.tensor4d(weights, [1, 2 * r + 1, 1, 1]),
    1,
    'valid',
  );
}

/** Refuses a mask that is not [H, W, 1] of the image's size (what `inject` blends with). */
export function assertMaskFits(mask: tf.Tensor | undefined, image: tf.Tensor3D): void {
  if (!mask) return;
  if (mask.rank !== 3 || mask.shape[2] !== 1)
    throw new InvalidArgumentError(`inject: mask must be [H, W, 1], got [${mask.shape.join(', ')}]`);
  const [h, w] = image.shape;
  if (mask.shape[0] !== h || mask.shape[1] !== w)
    throw new InvalidArgumentError(
      `inject: the mask is ${mask.shape[1]}x${mask.shape[0]} but the image is ${w}x${h}; give a mask of the image's size`,
    );
}

/**
 * The generator's output where the mask is set and the injected image elsewhere, both at the
 * output's size: m * out + (1 - m) * image. Without a mask, `out` itself.
 */
export function blendMasked(out: tf.Tensor4D, image: tf.Tensor3D, mask: tf.Tensor3D | undefined): tf.Tensor4D {
  if (!mask) return out;
  return tf.tidy(() => {
    const [h, w] = [out.shape[1], out.shape[2]];
    const m = tf.clipByValue(resizeTo(tf.expandDims(mask, 0) as tf.Tensor4D, h, w), 0, 1);
    const background = resizeTo(tf.expandDims(image, 0) as tf.Tensor4D, h, w);
    return tf.add(tf.mul(m, out), tf.mul(tf.sub(1, m), background)) as tf.Tensor4D;
  });
}

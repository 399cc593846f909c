import { tf } from '@scalespace/core';
import { resize } from '@scalespace/pyramids';

// Small ops the single-image GANs share. Everything here is built from ops whose gradients are
// themselves differentiable, because the WGAN-GP penalty differentiates the critic's input gradient
// once more (double backprop). tfjs's own LeakyRelu gradient goes through `Greater`, which has no
// gradient, so `leakyRelu` below is composed from relu instead.

/** LeakyReLU that supports gradients of gradients: slope * x + (1 - slope) * relu(x). */
export function leakyRelu(x: tf.Tensor, slope = 0.2): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(x, slope), tf.mul(tf.relu(x), 1 - slope)));
}

/** Images in [0, 1] to the networks' [-1, 1] range. */
export function toSigned(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(x, 2), 1));
}

/** Network outputs in [-1, 1] back to images in [0, 1] (clipped). */
export function toUnit(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1));
}

/** Zero-pads the two spatial axes of an NHWC tensor by p on every side. */
export function padSpatial(x: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return x;
  return tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
}

/** Reflect-pads the two spatial axes by p (falls back to edge-safe zero padding when the image is too small). */
export function reflectPadSpatial(x: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return x;
  const [, h, w] = x.shape;
  if (h <= p || w <= p) return padSpatial(x, p);
  return tf.mirrorPad(
    x,
    [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ],
    'reflect',
  );
}

/** Crops `x` symmetrically to `height` x `width` (the centre). */
export function centerCrop(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h === height && w === width) return x;
  const top = Math.floor((h - height) / 2);
  const left = Math.floor((w - width) / 2);
  return tf.slice(x, [0, top, left, 0], [n, height, width, c]);
}

/**
 * Pixel shuffle (depth to space) by `factor`, from reshapes and a transpose so that it is
 * differentiable (tfjs has no gradient for DepthToSpace). Channel layout matches PyTorch's
 * PixelShuffle after moving channels last: input channel c * f^2 + i * f + j goes to output channel c
 * at sub-pixel (i, j).
 */
export function pixelShuffle(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  const [n, h, w, cc] = x.shape;
  const c = cc / (factor * factor);
  return tf.tidy(() => {
    const y = tf.reshape(x, [n, h, w, c, factor, factor]);
    const t = tf.transpose(y, [0, 1, 4, 2, 5, 3]);
    return tf.reshape(t, [n, h * factor, w * factor, c]) as tf.Tensor4D;
  });
}

/** Mean squared error of two tensors as a scalar. */
export function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

/** A scalar's value, read asynchronously; the scalar is disposed. */
export async function meanOnHost(scalar: tf.Scalar): Promise<number> {
  const [value] = await scalar.data();
  scalar.dispose();
  return value;
}

/**
 * Resizes NHWC images to [height, width] with @scalespace/pyramids' bicubic resampling (MATLAB
 * imresize conventions, antialiased when shrinking), as SinGAN moves between scales. Differentiable.
 */
export function resizeTo(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (x.shape[1] === height && x.shape[2] === width) return tf.clone(x);
  return resize(x, { height, width, method: 'bicubic' }) as tf.Tensor4D;
}

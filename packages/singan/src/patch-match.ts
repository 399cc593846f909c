import { InvalidArgumentError, tf } from '@scalespace/core';

export interface PatchMatchOptions {
  /** Side of the square patches (PetsGAN: 7). */
  patchSize?: number;
  /** Rounds of matching; each re-matches the previous round's result (PetsGAN: 10). */
  iterations?: number;
}

/** The [p, p, C, C p^2] one-hot filter whose conv extracts every p x p patch as a vector (and whose transpose folds them back). */
function patchFilter(p: number, channels: number): tf.Tensor4D {
  const size = p * p * channels;
  const values = new Float32Array(p * p * channels * size);
  for (let ky = 0; ky < p; ky++)
    for (let kx = 0; kx < p; kx++)
      for (let c = 0; c < channels; c++) {
        const out = (ky * p + kx) * channels + c;
        values[((ky * p + kx) * channels + c) * size + out] = 1;
      }
  return tf.tensor4d(values, [p, p, channels, size]);
}

/**
 * The internal prior of the PetsGAN approach: every p x p patch of each generated low-resolution
 * image is replaced by its nearest patch (Euclidean, in pixels) of the reference, and the overlapping
 * replacements are averaged. The output is made of the training image's own patches, which keeps
 * colours and textures true before restoration. (The authors match on VGG features with a learned
 * soft attention; with no pretrained network available here, the matching is on pixels and hard.)
 *
 * images [N, h, w, C], reference [1, H, W, C] (both any size) -> [N, h, w, C].
 */
export function patchMatch(images: tf.Tensor4D, reference: tf.Tensor4D, options: PatchMatchOptions = {}): tf.Tensor4D {
  const p = options.patchSize ?? 7;
  const iterations = options.iterations ?? 1;
  if (!Number.isInteger(p) || p < 1 || p % 2 === 0)
    throw new InvalidArgumentError(`patchMatch: patchSize must be an odd positive integer, got ${p}`);
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new InvalidArgumentError(`patchMatch: iterations must be a non-negative integer, got ${iterations}`);
  const channels = images.shape[3];
  if (reference.shape[3] !== channels)
    throw new InvalidArgumentError(`patchMatch: images have ${channels} channels, the reference ${reference.shape[3]}`);
  // Reference patches lie wholly inside the reference (no padding), so every value the output is
  // rebuilt from is a real reference pixel; the patch shrinks for references smaller than it.
  const side = Math.min(reference.shape[1], reference.shape[2]);
  const size = Math.min(p, side % 2 === 1 ? side : side - 1);
  return tf.tidy(() => {
    const filter = patchFilter(size, channels);
    const d = size * size * channels;
    const refPatches = tf.reshape(tf.conv2d(reference, filter, 1, 'valid'), [-1, d]) as tf.Tensor2D; // [R, d]
    const halfNorms = tf.mul(tf.sum(tf.square(refPatches), 1), 0.5); // [R]
    const refT = tf.transpose(refPatches); // [d, R]
    const [n, h, w] = images.shape;
    const counts = tf.conv2dTranspose(tf.ones([1, h, w, d]) as tf.Tensor4D, filter, [1, h, w, channels], 1, 'same');
    let x = images;
    for (let it = 0; it < iterations; it++) {
      const patches = tf.reshape(tf.conv2d(x, filter, 1, 'same'), [-1, d]) as tf.Tensor2D; // [N h w, d]
      // argmin ||a - b||^2 = argmax (a . b - ||b||^2 / 2), in blocks of queries so the score matrix
      // stays small (about 16M entries) at any image size.
      const rows = patches.shape[0];
      const block = Math.max(1, Math.floor(16_777_216 / Math.max(1, refPatches.shape[0])));
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < rows; start += block) {
        const size = Math.min(block, rows - start);
        parts.push(
          tf.tidy(() => tf.argMax(tf.sub(tf.matMul(tf.slice(patches, [start, 0], [size, d]), refT), halfNorms), 1)),
        );
      }
      const best = parts.length === 1 ? parts[0] : tf.concat(parts);
      const chosen = tf.reshape(tf.gather(refPatches, best), [n, h, w, d]) as tf.Tensor4D;
      x = tf.div(tf.conv2dTranspose(chosen, filter, [n, h, w, channels], 1, 'same'), counts) as tf.Tensor4D;
    }
    return iterations === 0 ? tf.clone(images) : x;
  });
}

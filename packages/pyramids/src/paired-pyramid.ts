import { hostBackend, InvalidArgumentError, InvalidImageError, tf } from '@scalespace/core';
import { checkBits, checkPositiveInt } from './validate.js';

// The lossless paired pyramid of PixelPyramids (Mahajan & Roth 2021). One level splits an integer
// image into its even and odd rows (or columns): p1 = x[0::2], p2 = x[1::2]. The coarse image is p2;
// the fine image is the modular difference (p1 - p2 + n/2) mod n, n = 2^bits, so small differences of
// either sign stay near the middle of the range instead of wrapping to its top. The inverse is
// p1 = (p2 + fine - n/2) mod n. Levels alternate rows and columns: rows split when H >= W, which for a
// square image is the paper's order (rows, then columns), so every two levels halve both sides.

export interface PairedPyramidOptions {
  /** Bits per value; values must be integers in 0..2^bits-1. */
  bits: number;
  /** Stop when both sides are at most this size (default 4, the paper's 4x4 coarsest level). */
  coarsest?: number;
  /** Or stop after exactly this many splits. */
  levels?: number;
}

export interface PairedLevel {
  /** The axis this level split: 'rows' halves H, 'columns' halves W. */
  axis: 'rows' | 'columns';
  /** The fine component: int32, same shape as the coarse image it was paired with. */
  fine: tf.Tensor;
}

export interface PairedPyramid {
  bits: number;
  /** The coarsest image (int32). */
  coarse: tf.Tensor;
  /** Fine components, finest first (`levels[0]` is fine_1). */
  levels: PairedLevel[];
}

/** The axis a level splits for an image of this size. */
export function splitAxis(height: number, width: number): 'rows' | 'columns' {
  return height >= width ? 'rows' : 'columns';
}

/** Sizes [H, W] of the coarse image after each split, finest first, for the given stopping rule. */
export function pairedLevelSizes(height: number, width: number, options: { coarsest?: number; levels?: number } = {}) {
  const coarsest = options.coarsest ?? 4;
  const sizes: Array<{ axis: 'rows' | 'columns'; height: number; width: number }> = [];
  let h = height;
  let w = width;
  while (options.levels !== undefined ? sizes.length < options.levels : h > coarsest || w > coarsest) {
    const axis = splitAxis(h, w);
    const size = axis === 'rows' ? h : w;
    if (size % 2 !== 0) {
      throw new InvalidImageError(
        `paired pyramid: cannot split ${axis} of a ${h}x${w} image (odd ${axis === 'rows' ? 'height' : 'width'}); ` +
          'crop or pad the image to a size whose sides halve down to the coarsest level (e.g. powers of two)',
      );
    }
    if (axis === 'rows') h /= 2;
    else w /= 2;
    sizes.push({ axis, height: h, width: w });
  }
  return sizes;
}

function checkRange(x: tf.Tensor, n: number, what: string) {
  if (x.dtype !== 'int32')
    throw new InvalidImageError(
      `${what}: expected an int32 tensor of integer values, got ${x.dtype}; use tf.cast(tf.round(x), 'int32')`,
    );
  if (!hostBackend()) return; // a GPU backend: reading the values back would stall (see hostBackend)
  const [lo, hi] = tf.tidy(() => [tf.min(x).dataSync()[0], tf.max(x).dataSync()[0]]);
  if (lo < 0 || hi >= n) {
    throw new InvalidImageError(`${what}: values must lie in 0..${n - 1} for ${Math.log2(n)} bits, found ${lo}..${hi}`);
  }
}

/** An int32 scalar (a plain number would turn int32 arithmetic into float32). */
const int = (v: number) => tf.scalar(v, 'int32');

/** [A, size, B] view of x around axis `split`: A = product of the axes before it, B = of those after. */
function around(shape: number[], split: number): [number, number, number] {
  const before = shape.slice(0, split).reduce((a, b) => a * b, 1);
  const after = shape.slice(split + 1).reduce((a, b) => a * b, 1);
  return [before, shape[split], after];
}

/** Even and odd entries along `split`: the pairs axis moves to the front so each half is one contiguous copy. */
function deinterleave(x: tf.Tensor, split: number): [tf.Tensor, tf.Tensor] {
  const [a, size, b] = around(x.shape, split);
  const half = x.shape.slice();
  half[split] = size / 2;
  const t = tf.transpose(tf.reshape(x, [a, size / 2, 2, b]), [2, 0, 1, 3]);
  const [even, odd] = tf.unstack(t);
  return [tf.reshape(even, half), tf.reshape(odd, half)];
}

/** Inverse of `deinterleave`. */
function interleave(even: tf.Tensor, odd: tf.Tensor, split: number): tf.Tensor {
  const [a, size, b] = around(even.shape, split);
  const full = even.shape.slice();
  full[split] = 2 * size;
  const t = tf.stack([tf.reshape(even, [a, size, b]), tf.reshape(odd, [a, size, b])]); // [2, A, size, B]
  return tf.reshape(tf.transpose(t, [1, 2, 0, 3]), full);
}

/**
 * Decomposes an integer image [H, W, C] or batch [N, H, W, C] (int32, values 0..2^bits-1) into the
 * paired pyramid. Lossless: `reconstructPaired` returns the input bit for bit.
 */
export function pairedPyramid(x: tf.Tensor, options: PairedPyramidOptions): PairedPyramid {
  const bits = checkBits(options.bits, 'pairedPyramid');
  if (options.coarsest !== undefined) checkPositiveInt(options.coarsest, 'coarsest', 'pairedPyramid');
  if (options.levels !== undefined && (!Number.isInteger(options.levels) || options.levels < 0)) {
    throw new InvalidArgumentError(`pairedPyramid: levels must be a non-negative integer, got ${options.levels}`);
  }
  const n = 2 ** bits;
  if (x.rank !== 3 && x.rank !== 4) {
    throw new InvalidImageError(`pairedPyramid: expected [H, W, C] or [N, H, W, C], got [${x.shape.join(', ')}]`);
  }
  checkRange(x, n, 'pairedPyramid');
  const sizes = pairedLevelSizes(x.shape[x.rank - 3], x.shape[x.rank - 2], options);
  const rowAxis = x.rank - 3;
  const levels: PairedLevel[] = [];
  let current: tf.Tensor = x;
  for (const { axis } of sizes) {
    const [next, fine] = tf.tidy(() => {
      const [p1, p2] = deinterleave(current, axis === 'rows' ? rowAxis : rowAxis + 1);
      // p1 - p2 + n/2 lies in (-n/2, 3n/2): adding n first makes one non-negative modulo enough.
      return [p2, tf.mod(tf.add(tf.sub(p1, p2), int(n / 2 + n)), int(n))];
    });
    if (current !== x) current.dispose();
    levels.push({ axis, fine });
    current = next;
  }
  return { bits, coarse: current === x ? tf.clone(x) : current, levels };
}

/** Inverts `pairedPyramid` exactly. */
export function reconstructPaired(pyramid: PairedPyramid): tf.Tensor {
  const n = 2 ** checkBits(pyramid.bits, 'reconstructPaired');
  return tf.tidy(() => {
    let current = pyramid.coarse;
    const rowAxis = current.rank - 3;
    for (let i = pyramid.levels.length - 1; i >= 0; i--) {
      const { axis, fine } = pyramid.levels[i];
      if (fine.shape.some((d, k) => d !== current.shape[k])) {
        throw new InvalidImageError(
          `reconstructPaired: fine level ${i + 1} has shape [${fine.shape.join(', ')}] but the coarse image there is [${current.shape.join(', ')}]`,
        );
      }
      const p2 = current;
      // p2 + fine - n/2 lies in [-n/2, 3n/2): as above, one modulo after adding n.
      const p1 = tf.mod(tf.add(tf.add(p2, fine), int(n / 2)), int(n)); // - n/2 + n
      current = interleave(p1, p2, axis === 'rows' ? rowAxis : rowAxis + 1);
    }
    return current === pyramid.coarse ? tf.clone(current) : current;
  });
}

/** Releases every tensor of a pyramid. */
export function disposePaired(pyramid: PairedPyramid): void {
  pyramid.coarse.dispose();
  for (const level of pyramid.levels) level.fine.dispose();
}

import { InvalidArgumentError, InvalidImageError } from '@scalespace/core';

export type Size = [height: number, width: number];

export interface PyramidSizeOptions {
  /** The training image's [height, width]. */
  imageSize: Size;
  /** Longest side of the finest scale; larger images are shrunk to it (SinGAN: 250; here 128). */
  maxSize: number;
  /** Shortest side of the coarsest scale (SinGAN: 25). */
  minSize: number;
  /** Target ratio between neighbouring scales (SinGAN: 0.75); adjusted so the coarsest side is exactly minSize. */
  scaleFactor: number;
}

export interface PyramidSizes {
  /** Sizes coarse to fine; the last is the finest (training) size. */
  sizes: Size[];
  /** The ratio actually used between neighbouring scales. */
  scaleFactor: number;
}

/**
 * The scales of SinGAN's pyramid: the image is shrunk so its longest side is at most maxSize, then
 * scales are spaced by about scaleFactor until the shortest side reaches minSize. The factor is
 * adjusted so the coarsest scale's shortest side is minSize exactly, as in SinGAN.
 */
export function pyramidSizes(options: PyramidSizeOptions): PyramidSizes {
  const { imageSize, maxSize, minSize, scaleFactor } = options;
  const [h, w] = imageSize;
  if (!Number.isInteger(maxSize) || maxSize < 8)
    throw new InvalidArgumentError(`maxSize must be an integer >= 8, got ${maxSize}`);
  if (!Number.isInteger(minSize) || minSize < 8)
    throw new InvalidArgumentError(`minSize must be an integer >= 8 (the critic needs 11 x 11 pixels), got ${minSize}`);
  if (!(scaleFactor > 0.3 && scaleFactor < 0.95))
    throw new InvalidArgumentError(`scaleFactor must be in (0.3, 0.95), got ${scaleFactor}`);
  if (minSize > maxSize) throw new InvalidArgumentError(`minSize (${minSize}) must not exceed maxSize (${maxSize})`);
  const shrink = Math.min(1, maxSize / Math.max(h, w));
  const finest: Size = [Math.round(h * shrink), Math.round(w * shrink)];
  const shortest = Math.min(...finest);
  if (shortest < minSize) {
    throw new InvalidImageError(
      `the image is ${w} x ${h} (${finest[1]} x ${finest[0]} at maxSize ${maxSize}), smaller than the coarsest scale ` +
        `(shortest side ${minSize}); use a larger image, a larger maxSize or a smaller minSize`,
    );
  }
  const steps = shortest === minSize ? 0 : Math.max(1, Math.ceil(Math.log(minSize / shortest) / Math.log(scaleFactor)));
  const factor = steps === 0 ? scaleFactor : (minSize / shortest) ** (1 / steps);
  const sizes: Size[] = [];
  for (let k = 0; k <= steps; k++) {
    const s = factor ** (steps - k);
    sizes.push(k === steps ? finest : [Math.max(1, Math.round(finest[0] * s)), Math.max(1, Math.round(finest[1] * s))]);
  }
  return { sizes, scaleFactor: factor };
}

/** The pyramid scaled to a new finest size (for samples at other sizes and aspect ratios). */
export function scaleSizes(sizes: Size[], target: Size): Size[] {
  const [fh, fw] = sizes[sizes.length - 1];
  const sy = target[0] / fh;
  const sx = target[1] / fw;
  return sizes.map(([h, w], i) =>
    i === sizes.length - 1 ? target : [Math.max(1, Math.round(h * sy)), Math.max(1, Math.round(w * sx))],
  );
}

/** Parses `256x128` (width x height) or accepts [height, width]; validates. */
export function parseSize(size: Size | string | { height: number; width: number }, what = 'size'): Size {
  let out: Size;
  if (typeof size === 'string') {
    const m = /^(\d+)x(\d+)$/i.exec(size.trim());
    if (!m) throw new InvalidArgumentError(`${what} must look like WIDTHxHEIGHT (e.g. 256x128), got "${size}"`);
    out = [Number(m[2]), Number(m[1])];
  } else if (Array.isArray(size)) {
    out = [size[0], size[1]];
  } else {
    out = [size.height, size.width];
  }
  if (!out.every((v) => Number.isInteger(v) && v >= 1 && v <= 4096)) {
    throw new InvalidArgumentError(
      `${what} must be two integers in [1, 4096] (height, width), got [${out.join(', ')}]`,
    );
  }
  return out;
}

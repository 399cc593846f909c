import { InvalidImageError } from '@scalespace/core';
import { gammaFunction } from './brisque-gamma.js';

// The 36 BRISQUE features (Mittal, Moorthy and Bovik, "No-reference image quality assessment in the spatial
// domain", IEEE TIP 2012) computed the way OpenCV's cv::quality::QualityBRISQUE computes them. OpenCV works on
// single-precision planes; every step here rounds to float32 in the order OpenCV's x86-64 build (AVX2, FMA)
// evaluates it, so the features equal OpenCV 4.6's bit for bit on the reference photos:
//
// - grey: the 8-bit image to luma with OpenCV's 15-bit fixed-point weights (0.299, 0.587, 0.114), times 1/255;
// - two scales: the image, then a bicubic (a = -0.75, edge pixels repeated, no antialiasing) resize to
//   floor(W / 2) x floor(H / 2), as cv::resize(INTER_CUBIC);
// - MSCN: (I - mu) / (sigma + 1/255), mu and sigma^2 local moments under a 7x7 Gaussian (sigma 7/6, edges
//   repeated); where rounding makes sigma^2 negative, sqrt gives NaN and that coefficient drops out of the fits,
//   as it does in OpenCV;
// - per scale 18 features: an asymmetric generalised Gaussian fit of the MSCN coefficients (shape, mean of the
//   two variances), then of their products with the right (H), lower (V), lower-right (D1) and upper-right (D2)
//   neighbours (zero where the neighbour is outside): shape, mean, left variance, right variance.
//   OpenCV's fit uses the AGGD moment ratio for the MSCN coefficients too (the paper fits a symmetric GGD there).

const f32 = Math.fround;
const INV_255 = f32(1 / 255);

/** The half-scale image must hold the 7x7 window: images need at least twice that. */
export const BRISQUE_MIN_SIZE = 14;

/**
 * Greyscale plane in [0, 1] as OpenCV's BRISQUE sees an image: `data` is [H, W, C] row-major (C = 1 or 3, RGB),
 * values in [0, 1]. With `quantize` the values are first rounded to 8 bits (what OpenCV receives from an 8-bit
 * file) and converted with OpenCV's integer luma; without, the float luma of the values as they are.
 */
export function brisqueGrey(
  data: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  quantize: boolean,
) {
  const n = height * width;
  const grey = new Float32Array(n);
  const byte = (v: number) => Math.round(Math.min(Math.max(v, 0), 1) * 255);
  for (let i = 0; i < n; i++) {
    if (channels === 1) {
      grey[i] = quantize ? f32(byte(data[i]) * INV_255) : data[i];
    } else {
      const r = data[3 * i];
      const g = data[3 * i + 1];
      const b = data[3 * i + 2];
      if (quantize) {
        // cvtColor(BGR2GRAY) on 8-bit input: weights 9798, 19235, 3735 over 2^15, rounded
        const y = (byte(r) * 9798 + byte(g) * 19235 + byte(b) * 3735 + 16384) >> 15;
        grey[i] = f32(y * INV_255);
      } else {
        grey[i] = f32(f32(0.299) * r + f32(0.587) * g + f32(0.114) * b);
      }
    }
  }
  return grey;
}

/** Source indices and weights of a 4-tap bicubic resize along one axis, as cv::resize(INTER_CUBIC) sets them. */
function cubicTaps(inSize: number, outSize: number): { index: Int32Array; weight: Float32Array } {
  const scale = 1 / (outSize / inSize);
  const index = new Int32Array(4 * outSize);
  const weight = new Float32Array(4 * outSize);
  // Keys' cubic with a = -0.75, evaluated in single precision
  const outer = (u: number) => f32(f32(f32(f32(f32(f32(-0.75 * u) + 3.75) * u) - 6) * u) + 3); // |x| in [1, 2]
  const inner = (u: number) => f32(f32(f32(f32(f32(1.25 * u) - 2.25) * u) * u) + 1); // |x| in [0, 1]
  for (let d = 0; d < outSize; d++) {
    const position = f32((d + 0.5) * scale - 0.5);
    const start = Math.floor(position);
    const t = f32(position - start);
    const w0 = outer(f32(t + 1));
    const w1 = inner(t);
    const w2 = inner(f32(1 - t));
    const taps = [w0, w1, w2, f32(f32(f32(1 - w0) - w1) - w2)];
    for (let k = 0; k < 4; k++) {
      index[4 * d + k] = Math.min(Math.max(start - 1 + k, 0), inSize - 1);
      weight[4 * d + k] = taps[k];
    }
  }
  return { index, weight };
}

/**
 * Bicubic resize of a plane to outH x outW, rows first, then columns, with OpenCV's single-precision summation
 * order (on x86-64: the column pass sums bottom-up in blocks of 4 output columns, top-down in the remainder).
 */
export function resizeCubic(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const cols = cubicTaps(w, outW);
  const rows = cubicTaps(h, outH);
  const horizontal = new Float32Array(h * outW);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s = f32(s + f32(cols.weight[4 * x + k] * src[y * w + cols.index[4 * x + k]]));
      horizontal[y * outW + x] = s;
    }
  }
  const out = new Float32Array(outH * outW);
  const blocked = outW - (outW % 4);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let j = 0; j < 4; j++) {
        const k = x < blocked ? 3 - j : j;
        s = f32(s + f32(rows.weight[4 * y + k] * horizontal[rows.index[4 * y + k] * outW + x]));
      }
      out[y * outW + x] = s;
    }
  }
  return out;
}

/** The 7-tap Gaussian of sigma 7/6, normalised in double precision and stored as float32 (getGaussianKernel). */
function gaussianTaps(): Float32Array {
  const sigma = 7 / 6;
  const raw = Array.from({ length: 7 }, (_, i) => Math.exp((-0.5 / (sigma * sigma)) * (i - 3) ** 2));
  const total = raw.reduce((s, v) => s + v, 0);
  return Float32Array.from(raw, (v) => v / total);
}

const TAPS = gaussianTaps();

/**
 * Separable 7x7 Gaussian blur with edge pixels repeated: rows (a fused multiply-add chain, left to right), then
 * columns (symmetric pairs added first), the single-precision arithmetic of OpenCV's filter on x86-64 with FMA.
 * a * b + c of float32 values is exact in double before the one rounding to float32.
 */
export function gaussianBlur7(src: Float32Array, h: number, w: number): Float32Array {
  const tmp = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = f32(TAPS[0] * src[row + Math.max(x - 3, 0)]);
      for (let k = 1; k < 7; k++) s = f32(s + TAPS[k] * src[row + Math.min(Math.max(x + k - 3, 0), w - 1)]);
      tmp[row + x] = s;
    }
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = f32(TAPS[3] * tmp[y * w + x]);
      for (let k = 1; k <= 3; k++) {
        const pair = f32(tmp[Math.min(y + k, h - 1) * w + x] + tmp[Math.max(y - k, 0) * w + x]);
        s = f32(s + TAPS[3 + k] * pair);
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Mean-subtracted contrast-normalised coefficients (I - mu) / (sigma + 1/255). */
export function mscn(image: Float32Array, h: number, w: number): Float32Array {
  const squared = image.map((v) => v * v);
  const mu = gaussianBlur7(image, h, w);
  const moment2 = gaussianBlur7(squared, h, w);
  const out = new Float32Array(h * w);
  for (let i = 0; i < out.length; i++) {
    const variance = f32(moment2[i] - f32(mu[i] * mu[i]));
    const sigma = f32(f32(Math.sqrt(variance)) + INV_255); // NaN where rounding made the variance negative
    out[i] = f32(image[i] - mu[i]) / sigma; // stored as float32: one correctly rounded division
  }
  return out;
}

/** OpenCV's search grid for the AGGD shape: 0.2, 0.201, ... (accumulated in double) below 10. */
let shapeGrid: { shape: Float64Array; ratio: Float64Array } | undefined;

function aggdShapeGrid() {
  if (!shapeGrid) {
    const shapes: number[] = [];
    for (let g = 0.2; g < 10; g += 0.001) shapes.push(g);
    const shape = Float64Array.from(shapes);
    // r(g) = Gamma(2/g)^2 / (Gamma(1/g) Gamma(3/g)), increasing in g
    const ratio = shape.map(
      (g) => (gammaFunction(2 / g) * gammaFunction(2 / g)) / (gammaFunction(1 / g) * gammaFunction(3 / g)),
    );
    shapeGrid = { shape, ratio };
  }
  return shapeGrid;
}

export interface AggdFit {
  /** shape parameter (0.2 .. 10 on a 0.001 grid) */
  shape: number;
  leftSigma: number;
  rightSigma: number;
}

/**
 * Moment-matching fit of an asymmetric generalised Gaussian: the left / right sigmas are the root mean squares of
 * the negative / positive values; the shape is the first grid point after which |r(shape) - r_hat| grows.
 * Zeros and NaNs count in the total but in neither side. Returns undefined when a side is empty.
 */
export function aggdFit(values: Float32Array): AggdFit | undefined {
  let positives = 0;
  let negatives = 0;
  let positiveSquares = 0;
  let negativeSquares = 0;
  let absoluteSum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0) {
      positives++;
      positiveSquares += v * v;
      absoluteSum += v;
    } else if (v < 0) {
      negatives++;
      negativeSquares += v * v;
      absoluteSum -= v;
    }
  }
  if (positives === 0 || negatives === 0) return undefined;
  const leftSigma = Math.sqrt(negativeSquares / negatives);
  const rightSigma = Math.sqrt(positiveSquares / positives);
  const ratioLR = leftSigma / rightSigma;
  const total = values.length;
  const rHat = (absoluteSum / total) ** 2 / ((negativeSquares + positiveSquares) / total);
  const rHatNorm = (rHat * (ratioLR ** 3 + 1) * (ratioLR + 1)) / (ratioLR ** 2 + 1) ** 2;
  const { shape, ratio } = aggdShapeGrid();
  let best = 0;
  let bestDiff = 1e10;
  for (let k = 0; k < shape.length; k++) {
    const diff = Math.abs(ratio[k] - rHatNorm);
    if (diff > bestDiff) break;
    bestDiff = diff;
    best = shape[k];
  }
  return { shape: best, leftSigma, rightSigma };
}

// neighbour offsets [dy, dx] of the paired products: H, V, D1, D2
const NEIGHBOURS: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [1, 0],
  [1, 1],
  [-1, 1],
];

function fitOrThrow(values: Float32Array, scale: number, what: string): AggdFit {
  const fit = aggdFit(values);
  if (!fit) {
    throw new InvalidImageError(
      `brisque: at scale ${scale} the ${what} are never both positive and negative (a flat or nearly flat image); ` +
        'BRISQUE is undefined for it. Score an image with some texture',
    );
  }
  return fit;
}

/** The 18 features of one scale. */
function scaleFeatures(image: Float32Array, h: number, w: number, scale: number): number[] {
  const m = mscn(image, h, w);
  const fit = fitOrThrow(m, scale, 'normalised coefficients');
  const features = [fit.shape, (fit.leftSigma * fit.leftSigma + fit.rightSigma * fit.rightSigma) / 2];
  const product = new Float32Array(h * w);
  for (const [dy, dx] of NEIGHBOURS) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const ny = y + dy;
        const nx = x + dx;
        product[y * w + x] = ny >= 0 && ny < h && nx < w ? m[y * w + x] * m[ny * w + nx] : 0;
      }
    }
    const p = fitOrThrow(product, scale, 'neighbour products');
    const g = p.shape;
    const mean =
      (p.rightSigma - p.leftSigma) *
      (gammaFunction(2 / g) / gammaFunction(1 / g)) *
      (Math.sqrt(gammaFunction(1 / g)) / Math.sqrt(gammaFunction(3 / g)));
    features.push(g, mean, p.leftSigma * p.leftSigma, p.rightSigma * p.rightSigma);
  }
  return features.map(f32);
}

/** The 36 unscaled BRISQUE features of a greyscale plane in [0, 1]: 18 at full size, 18 at half size. */
export function brisqueFeaturesOfGrey(grey: Float32Array, height: number, width: number): number[] {
  const halfH = Math.floor(height / 2);
  const halfW = Math.floor(width / 2);
  const half = resizeCubic(grey, height, width, halfH, halfW);
  return [...scaleFeatures(grey, height, width, 1), ...scaleFeatures(half, halfH, halfW, 2)];
}

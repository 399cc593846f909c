import { InvalidArgumentError, InvalidImageError, type tf } from '@scalespace/core';
import { BRISQUE_MIN_SIZE, brisqueFeaturesOfGrey, brisqueGrey } from './brisque-features.js';
import { type BrisqueModel, loadBrisqueModel, predictBrisque } from './brisque-model.js';

// BRISQUE, the no-reference quality score of Mittal, Moorthy and Bovik (2012), as OpenCV's
// cv::quality::QualityBRISQUE computes it with its LIVE model (0 best, 100 worst; clamped to [0, 100]).

export type { BrisqueModel } from './brisque-model.js';
export { loadBrisqueModel } from './brisque-model.js';

export interface BrisqueOptions {
  /** Round the image to 8 bits first, as OpenCV sees a saved PNG (default true). false: use the float values. */
  quantize?: boolean;
  /** Clamp the score to [0, 100] as OpenCV does (default true). */
  clamp?: boolean;
  /** The regressor (default: the LIVE model shipped in `models/brisque-live.json`). */
  model?: BrisqueModel;
}

/** Validates an [H, W, C] image in [0, 1] and returns its greyscale plane as OpenCV's BRISQUE forms it. */
async function greyOf(image: tf.Tensor3D, quantize: boolean, what: string) {
  if (!image || typeof image.dataSync !== 'function') {
    throw new InvalidImageError(`${what}: expected a tf.Tensor3D [H, W, C], got ${typeof image}`);
  }
  if (image.rank !== 3) {
    const hint = image.rank === 4 ? '; score each image of a batch separately (tf.unstack)' : '';
    throw new InvalidImageError(`${what}: expected one image [H, W, C], got [${image.shape.join(', ')}]${hint}`);
  }
  const [height, width, channels] = image.shape;
  if (channels !== 1 && channels !== 3) {
    throw new InvalidImageError(
      `${what}: expected 1 (grey) or 3 (RGB) channels, got ${channels}` +
        (channels === 4 ? '; drop the alpha channel (readImage(path, { channels: 3 }))' : ''),
    );
  }
  if (height < BRISQUE_MIN_SIZE || width < BRISQUE_MIN_SIZE) {
    throw new InvalidImageError(
      `${what}: the image is ${height}x${width}; BRISQUE needs at least ${BRISQUE_MIN_SIZE}x${BRISQUE_MIN_SIZE} pixels ` +
        '(its half-size copy must hold the 7x7 window)',
    );
  }
  if (image.dtype !== 'float32' && image.dtype !== 'int32') {
    throw new InvalidImageError(`${what}: expected float32 values in [0, 1], got dtype ${image.dtype}`);
  }
  const data = (await image.data()) as Float32Array | Int32Array;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      throw new InvalidImageError(`${what}: the image contains ${Number.isNaN(v) ? 'NaN' : 'infinite'} values`);
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < -0.5 || hi > 1.5) {
    throw new InvalidImageError(
      `${what}: values span ${lo.toPrecision(4)}..${hi.toPrecision(4)}, far outside [0, 1]; divide 8-bit values by 255`,
    );
  }
  return { grey: brisqueGrey(data, height, width, channels, quantize), height, width };
}

function checkOptions(options: BrisqueOptions | undefined, what: string): Required<Omit<BrisqueOptions, 'model'>> {
  const quantize = options?.quantize ?? true;
  const clamp = options?.clamp ?? true;
  if (typeof quantize !== 'boolean') throw new InvalidArgumentError(`${what}: quantize must be true or false`);
  if (typeof clamp !== 'boolean') throw new InvalidArgumentError(`${what}: clamp must be true or false`);
  return { quantize, clamp };
}

/**
 * The 36 BRISQUE features of an image [H, W, C] in [0, 1] (C = 1 or 3, RGB), unscaled, in OpenCV's order: per
 * scale (full, half) the MSCN shape and variance, then for the H, V, D1, D2 neighbour products the shape, mean,
 * left variance and right variance. Equals cv2.quality.QualityBRISQUE_computeFeatures on the 8-bit image.
 */
export async function brisqueFeatures(
  image: tf.Tensor3D,
  options?: Pick<BrisqueOptions, 'quantize'>,
): Promise<number[]> {
  const { quantize } = checkOptions(options, 'brisqueFeatures');
  const { grey, height, width } = await greyOf(image, quantize, 'brisqueFeatures');
  return brisqueFeaturesOfGrey(grey, height, width);
}

/**
 * BRISQUE score of an image [H, W, C] in [0, 1] (C = 1 or 3, RGB): lower is better, about 0..100 on natural photos.
 * Matches cv2.quality.QualityBRISQUE_compute with OpenCV's LIVE model on the 8-bit image.
 */
export async function brisque(image: tf.Tensor3D, options?: BrisqueOptions): Promise<number> {
  const { quantize, clamp } = checkOptions(options, 'brisque');
  const model = options?.model ?? loadBrisqueModel();
  const { grey, height, width } = await greyOf(image, quantize, 'brisque');
  const score = predictBrisque(model, brisqueFeaturesOfGrey(grey, height, width));
  return clamp ? Math.min(Math.max(score, 0), 100) : score;
}

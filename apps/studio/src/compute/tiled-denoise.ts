// Denoising an image of any size within a fixed memory budget: the image is cut into tiles, each denoised with a
// margin as wide as the network's reach, and only the tile's centre is kept. A bias-free CNN is local (its batch
// norms use running statistics), so every kept pixel saw exactly the context it sees in a whole-image pass: the
// result equals one `model.denoise(image)` call to float rounding, with no seams to blend. The library's own tiled
// denoising, when it lands in @scalespace/denoisers, can replace this one function.
import { type LongWorkOptions, tf, throwIfAborted, yieldToEventLoop } from '@scalespace/core';
import type { Denoiser, DenoiserConfig, NetShape } from '@scalespace/denoisers';

export interface TiledDenoiseOptions extends LongWorkOptions {
  /** Side of the kept centre of each tile, in pixels (default 256); rounded up to the model's block size. */
  tile?: number;
}

export interface TiledDenoiseResult {
  /** The denoised image [H, W, C], as `model.denoise` gives it. */
  image: tf.Tensor3D;
  tiles: number;
  /** Network evaluations, all tiles together. */
  evaluations: number;
  seconds: number;
  /** The rms of the removed noise over the whole image. */
  sigmaEstimate: number[];
}

const half = (net: NetShape) => (net.rf - 1) / 2;

/**
 * How far (in pixels) an output pixel of the model looks, and the block its tiles must align to: a flat network
 * reaches (rf - 1) / 2; a multi-scale one adds, per Haar level, its network's reach in that level's coefficient
 * spacing, plus one coarsest block.
 */
export function denoiserReach(config: DenoiserConfig): { margin: number; block: number } {
  if (config.kind === 'flat') return { margin: half(config.net), block: 1 };
  const block = 2 ** config.levels;
  let margin = half(config.lowpass) * block + block;
  for (let j = 0; j < config.levels; j++) margin += half(config.conditional) * 2 ** (j + 1);
  return { margin: Math.ceil(margin / block) * block, block };
}

export async function denoiseTiled(
  model: Denoiser,
  image: tf.Tensor3D,
  options: TiledDenoiseOptions = {},
): Promise<TiledDenoiseResult> {
  const started = performance.now();
  const [height, width, channels] = image.shape;
  const { margin, block } = denoiserReach(model.config);
  const tile = Math.ceil(Math.max(options.tile ?? 256, 1) / block) * block;
  const rows = Math.ceil(height / tile);
  const cols = Math.ceil(width / tile);
  const out = new Float32Array(height * width * channels);
  let evaluations = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      throwIfAborted(options.signal, 'tiled denoising');
      const [y0, x0] = [r * tile, c * tile];
      const [y1, x1] = [Math.min(height, y0 + tile), Math.min(width, x0 + tile)];
      const [wy0, wx0] = [Math.max(0, y0 - margin), Math.max(0, x0 - margin)];
      const [wy1, wx1] = [Math.min(height, y1 + margin), Math.min(width, x1 + margin)];
      const window = tf.slice(image, [wy0, wx0, 0], [wy1 - wy0, wx1 - wx0, channels]);
      const result = await model.denoise(window).finally(() => window.dispose());
      const kept = tf.slice(result.image, [y0 - wy0, x0 - wx0, 0], [y1 - y0, x1 - x0, channels]);
      result.image.dispose();
      const values = await kept.data().finally(() => kept.dispose());
      const rowLength = (x1 - x0) * channels;
      for (let y = y0; y < y1; y++)
        out.set(values.subarray((y - y0) * rowLength, (y - y0 + 1) * rowLength), (y * width + x0) * channels);
      evaluations += result.evaluations;
      const done = r * cols + c + 1;
      options.onProgress?.({ step: done, total: rows * cols, etaSeconds: Number.NaN, phase: `tile ${done}` });
      await yieldToEventLoop();
    }
  }
  const denoised = tf.tensor3d(out, [height, width, channels]);
  const sigma = tf.tidy(() => tf.sqrt(tf.mean(tf.squaredDifference(image, denoised))));
  const sigmaEstimate = [(await sigma.data())[0]];
  sigma.dispose();
  return {
    image: denoised,
    tiles: rows * cols,
    evaluations,
    seconds: (performance.now() - started) / 1000,
    sigmaEstimate,
  };
}

import {
  formatBytes,
  InvalidImageError,
  type LongWorkOptions,
  MemoryLimitError,
  memoryBudget,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';
import type { DenoiseResult, Denoiser, DenoiserConfig } from './types.js';

// Denoising a photo of any size within a memory budget: the image is cut into tiles, each tile
// denoised with enough context around it (its halo) that its centre is what the whole image would
// give, and neighbouring tiles blended across a band where both are exact, so no seam shows.

/**
 * The share of core's `memoryBudget()` one tile's tensors get by default. The wasm heap grows to about three
 * times its live tensors (fragmentation) and never shrinks, and the whole image's tensors and arrays (input,
 * noisy copy, output, the blend sums, the PNG's pixels) live beside the tile: with the whole budget, denoising
 * a 4000x3000 photo with the official flat RF 43 net peaked at 2.84 GB of RSS.
 */
const TILE_BUDGET_SHARE = 1 / 2;

export interface TiledDenoiseOptions extends LongWorkOptions {
  /**
   * Tensor bytes one tile may hold at its peak (default: half of core's `memoryBudget()` for the backend, as
   * the heap grows beyond its live tensors).
   */
  budgetBytes?: number;
  /** Side of the tiles' cores (default: the largest the budget allows). */
  tileSize?: number;
}

export interface TiledDenoiseResult extends DenoiseResult {
  /** Tiles denoised (1: the image fit at once). */
  tiles: number;
  /** Side of the tiles' cores, and the context around each on every side, in pixels. */
  tileSize: number;
  halo: number;
}

/** Pixels of the input that reach one output pixel, on each side: a tile needs that much context. */
export function denoiserReach(config: DenoiserConfig): number {
  if (config.kind === 'flat') return (config.net.rf - 1) / 2;
  // The coarsest band's denoiser sees (rf - 1) / 2 of its pixels, each 2^levels image pixels; every
  // scale's conditional adds its own reach and a Haar block on top.
  const { levels, lowpass, conditional } = config;
  let reach = ((lowpass.rf - 1) / 2) * 2 ** levels;
  for (let j = 0; j < levels; j++) reach += ((conditional.rf - 1) / 2 + 1) * 2 ** (j + 1);
  return reach;
}

/**
 * Tensor bytes per image pixel at the peak of one denoising pass. A flat net holds about four
 * activations of its width at once (the layer's input, the conv, the normalised and rectified
 * outputs); a multi-scale one does the same on the finest conditional's quarter-size bands, plus the
 * image's bands and copies. Checked against tf.profile in the tests.
 */
export function denoiserBytesPerPixel(config: DenoiserConfig): number {
  const c = config.channels;
  if (config.kind === 'flat') return 16 * config.net.width + 32 * c;
  return Math.max(4 * config.conditional.width, config.lowpass.width) + 32 * c;
}

/** Alignment of tile origins: a multi-scale model's Haar blocks must fall where the whole image's do. */
function blockOf(config: DenoiserConfig): number {
  return config.kind === 'flat' ? 1 : 2 ** config.levels;
}

const alignUp = (v: number, block: number) => Math.ceil(v / block) * block;

/** Weights of one axis of a tile: 1 in its core, ramps across the bands it shares with a neighbour. */
function axisWeights(start: number, end: number, coreStart: number, coreEnd: number, blend: number, size: number) {
  const w = new Float32Array(end - start);
  for (let i = start; i < end; i++) {
    let v = 1;
    if (coreStart > 0) v = Math.min(v, (i + 0.5 - (coreStart - blend)) / (2 * blend));
    if (coreEnd < size) v = Math.min(v, (coreEnd + blend - i - 0.5) / (2 * blend));
    w[i - start] = Math.max(0, Math.min(1, v));
  }
  return w;
}

/**
 * Denoises an image [H, W, C] of any size within a memory budget: whole when it fits, else in tiles
 * (the largest the budget allows, with the model's full reach as context and a blended overlap).
 * The result agrees with whole-image denoising up to float rounding. Reports progress per tile and
 * stops between tiles when the signal fires.
 */
export async function denoiseTiled(
  model: Denoiser,
  image: tf.Tensor3D,
  options: TiledDenoiseOptions = {},
): Promise<TiledDenoiseResult> {
  if (image.rank !== 3) throw new InvalidImageError(`denoiseTiled: expected an image [H, W, C], got [${image.shape}]`);
  const started = performance.now();
  const [H, W, C] = image.shape;
  const { config } = model;
  const block = blockOf(config);
  const perPixel = denoiserBytesPerPixel(config);
  const budget = options.budgetBytes ?? (await memoryBudget()).bytes * TILE_BUDGET_SHARE;
  const whole = alignUp(H, block) * alignUp(W, block) * perPixel;
  if (options.tileSize === undefined && whole <= budget) {
    const result = await model.denoise(image, options);
    return { ...result, tiles: 1, tileSize: Math.max(H, W), halo: 0 };
  }
  const blend = alignUp(Math.max(4, Math.ceil(denoiserReach(config) / 4)), block);
  const halo = alignUp(denoiserReach(config), block) + blend;
  let tile = options.tileSize ?? Math.floor((Math.sqrt(budget / perPixel) - 2 * halo) / block) * block;
  tile = Math.min(tile, alignUp(Math.max(H, W), block));
  if (!(tile >= Math.max(block, 2 * blend))) {
    throw new MemoryLimitError(
      `denoising needs tiles of at least ${2 * (halo + blend)} px a side (${formatBytes((2 * (halo + blend)) ** 2 * perPixel)}), ` +
        `more than the ${formatBytes(budget)} a tile may use (${options.budgetBytes === undefined ? 'half the memory budget' : 'budgetBytes'}); ` +
        'raise the budget (SCALESPACE_MEMORY_BUDGET) or use a model with a smaller receptive field',
    );
  }
  if (!Number.isInteger(tile / block))
    throw new InvalidImageError(`denoiseTiled: tileSize must be a multiple of ${block} for this model, got ${tile}`);
  const rows = Math.ceil(H / tile);
  const cols = Math.ceil(W / tile);
  const sum = new Float32Array(H * W * C);
  const weight = new Float32Array(H * W);
  const total = rows * cols;
  let evaluations = 1;
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      throwIfAborted(options.signal, 'denoising');
      const [cy0, cx0] = [r * tile, q * tile];
      const [cy1, cx1] = [Math.min(H, cy0 + tile), Math.min(W, cx0 + tile)];
      // The tile's input: its core with the halo around it, cut at the image's edges.
      const [iy0, ix0] = [Math.max(0, cy0 - halo), Math.max(0, cx0 - halo)];
      const [iy1, ix1] = [Math.min(H, cy1 + halo), Math.min(W, cx1 + halo)];
      const input = tf.slice(image, [iy0, ix0, 0], [iy1 - iy0, ix1 - ix0, C]);
      let values: Float32Array;
      try {
        const result = await model.denoise(input);
        evaluations = result.evaluations;
        values = (await result.image.data()) as Float32Array;
        result.image.dispose();
      } finally {
        input.dispose();
      }
      // What this tile contributes: its core and the blend bands around it.
      const [oy0, ox0] = [Math.max(0, cy0 - blend), Math.max(0, cx0 - blend)];
      const [oy1, ox1] = [Math.min(H, cy1 + blend), Math.min(W, cx1 + blend)];
      const wy = axisWeights(oy0, oy1, cy0, cy1, blend, H);
      const wx = axisWeights(ox0, ox1, cx0, cx1, blend, W);
      const tileWidth = ix1 - ix0;
      for (let y = oy0; y < oy1; y++) {
        for (let x = ox0; x < ox1; x++) {
          const w = wy[y - oy0] * wx[x - ox0];
          if (w === 0) continue;
          weight[y * W + x] += w;
          const from = ((y - iy0) * tileWidth + (x - ix0)) * C;
          const to = (y * W + x) * C;
          for (let k = 0; k < C; k++) sum[to + k] += w * values[from + k];
        }
      }
      options.onProgress?.({
        step: r * cols + q + 1,
        total,
        etaSeconds: ((performance.now() - started) / 1000 / (r * cols + q + 1)) * (total - r * cols - q - 1),
        phase: 'denoise tiles',
      });
      await yieldToEventLoop();
    }
  }
  const noisy = (await image.data()) as Float32Array;
  let removed = 0;
  for (let i = 0; i < H * W; i++) {
    for (let k = 0; k < C; k++) {
      const j = i * C + k;
      sum[j] /= weight[i];
      removed += (noisy[j] - sum[j]) ** 2;
    }
  }
  return {
    image: tf.tensor3d(sum, [H, W, C]),
    evaluations,
    seconds: (performance.now() - started) / 1000,
    sigmaEstimate: [Math.sqrt(removed / (H * W * C))],
    tiles: total,
    tileSize: tile,
    halo,
  };
}

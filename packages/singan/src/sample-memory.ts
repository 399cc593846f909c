import { measurePeakBytes } from '@scalespace/core';
import type { Size } from './pyramid-sizes.js';
import type { SingleImageModel } from './single-image-model.js';

/** What sampling will need, measured on the model itself. */
export interface SampleMemory {
  /** Tensor bytes at the peak for the request. */
  bytes: number;
  /** The largest output size (same aspect ratio) whose peak is at most `budget`, or null when none is. */
  largestSize(budget: number): Size | null;
}

const BYTES_PER_OUTPUT_PIXEL = 3 * 4;

/**
 * The peak tensor memory of `sample({ n, size })` (or of `animate({ frames, size })`), estimated
 * before it runs: both models are fully convolutional, so their peak grows linearly with the pixels.
 * Two probes (one sample at a quarter and at all of the training area, with the requested aspect
 * ratio) give the per-pixel and fixed costs; the output images are added (kept samples or frames, and
 * the grid or animation made from them).
 */
export async function sampleMemory(
  model: SingleImageModel,
  request: { size: Size; n?: number; frames?: number },
): Promise<SampleMemory> {
  const [th, tw] = model.imageSize;
  const aspect = request.size[1] / request.size[0];
  const probe = async (area: number) => {
    // Multiples of 16 keep every scale (and PetsGAN's low resolution) at least a few pixels wide.
    const h = Math.max(16, Math.round(Math.sqrt(area / aspect) / 16) * 16);
    const w = Math.max(16, Math.round((h * aspect) / 16) * 16);
    const { peakBytes, result } = await measurePeakBytes(() => model.sample({ n: 1, size: [h, w], seed: 0 }));
    result.dispose();
    return { pixels: h * w, peakBytes };
  };
  const small = await probe((th * tw) / 4);
  const large = await probe(th * tw);
  const perPixel =
    large.pixels > small.pixels
      ? Math.max(0, (large.peakBytes - small.peakBytes) / (large.pixels - small.pixels))
      : large.peakBytes / large.pixels;
  const fixed = Math.max(0, large.peakBytes - perPixel * large.pixels);
  const frames = request.frames ?? 0;
  // Samples run as one batch; frames one at a time, all kept, then stacked (twice the frames at once).
  const peak = (pixels: number) =>
    frames > 0
      ? fixed + perPixel * pixels + 2 * frames * pixels * BYTES_PER_OUTPUT_PIXEL
      : fixed + (request.n ?? 1) * pixels * (perPixel + 2 * BYTES_PER_OUTPUT_PIXEL);
  const [h, w] = request.size;
  return {
    bytes: peak(h * w),
    largestSize(budget) {
      // The peak is linear in the pixels: solve for them, then keep the aspect ratio.
      const unit = peak(1) - peak(0);
      const pixels = (budget - peak(0)) / unit;
      if (!(pixels >= 1)) return null;
      const scale = Math.min(1, Math.sqrt(pixels / (h * w)));
      const size: Size = [Math.max(1, Math.floor(h * scale)), Math.max(1, Math.floor(w * scale))];
      return size;
    },
  };
}

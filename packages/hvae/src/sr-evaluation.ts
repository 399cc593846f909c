import {
  InvalidArgumentError,
  type LongWorkOptions,
  ProgressTracker,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';
import type { ImageDataset } from '@scalespace/data';
import { apd, lrPsnr, psnrPerImage, ssimPerImage } from '@scalespace/metrics';
import { resize } from '@scalespace/pyramids';
import type { CVDVAE } from './cvdvae.js';
import { lowResolution } from './low-res.js';

/** One row of the paper's Table 1: means over the evaluated images (and their samples). */
export interface SrTableRow {
  method: string;
  psnr: number;
  ssim: number;
  lrPsnr: number;
  /** Mean over inputs of the average pairwise MSE among the samples of that input. */
  apdMse: number;
  secondsPerSample: number;
  images: number;
  samples: number;
}

export interface SrEvaluationOptions extends LongWorkOptions {
  /** The first `count` images of the set (default all). */
  count?: number;
  /** Samples per input (default 5, as in the paper). */
  samples?: number;
  temperature?: number;
  seed?: number;
  /** Inputs per batched call (default 20). */
  batch?: number;
  output?: 'sample' | 'mode';
}

interface Accumulator {
  psnr: number[];
  ssim: number[];
  lr: number[];
  apd: number[];
  seconds: number;
  made: number;
}

function row(method: string, acc: Accumulator, images: number, samples: number): SrTableRow {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return {
    method,
    psnr: mean(acc.psnr),
    ssim: mean(acc.ssim),
    lrPsnr: mean(acc.lr),
    apdMse: mean(acc.apd),
    secondsPerSample: acc.seconds / Math.max(1, acc.made),
    images,
    samples,
  };
}

async function evaluate(
  data: ImageDataset,
  scale: number,
  options: SrEvaluationOptions,
  samples: number,
  method: string,
  superResolve: (y: tf.Tensor4D) => tf.Tensor, // [B * samples, H, W, C], input-major
): Promise<SrTableRow> {
  const count = Math.min(data.size, options.count ?? data.size);
  const batch = options.batch ?? 20;
  if (!Number.isInteger(batch) || batch < 1)
    throw new InvalidArgumentError(`batch must be a positive integer, got ${batch}`);
  const acc: Accumulator = { psnr: [], ssim: [], lr: [], apd: [], seconds: 0, made: 0 };
  const tracker = new ProgressTracker(count, { ...(options.onProgress && { onProgress: options.onProgress }) });
  for (let start = 0; start < count; start += batch) {
    throwIfAborted(options.signal, 'super-resolution evaluation');
    const idx = Array.from({ length: Math.min(batch, count - start) }, (_, k) => start + k);
    const x = data.images(idx);
    const y = lowResolution(x, scale);
    const t0 = performance.now();
    const sr = superResolve(y);
    await sr.data();
    acc.seconds += (performance.now() - t0) / 1000;
    acc.made += sr.shape[0];
    const [gt, lowTiled] = tf.tidy(() =>
      [x, y].map((t) => tf.reshape(tf.tile(tf.expandDims(t, 1), [1, samples, 1, 1, 1]), [-1, ...t.shape.slice(1)])),
    );
    acc.psnr.push(...(await psnrPerImage(sr, gt, 1)));
    acc.ssim.push(...(await ssimPerImage(sr, gt, { dataRange: 1 })));
    for (let i = 0; i < sr.shape[0]; i++) {
      const [one, lowOne] = tf.tidy(() => [tf.slice(sr, [i], [1]), tf.slice(lowTiled, [i], [1])]);
      acc.lr.push(
        await lrPsnr(one, lowOne, { scale, dataRange: 1, degradation: (h) => lowResolution(h, scale) }).finally(() =>
          tf.dispose([one, lowOne]),
        ),
      );
    }
    if (samples > 1) {
      for (let b = 0; b < idx.length; b++) {
        const group = tf.slice(sr, [b * samples], [samples]);
        acc.apd.push(await apd(group).finally(() => group.dispose()));
      }
    } else acc.apd.push(...idx.map(() => 0));
    tf.dispose([x, y, sr, gt, lowTiled]);
    tracker.report(start + idx.length);
    await yieldToEventLoop();
  }
  return row(method, acc, count, samples);
}

/**
 * CVDVAE's row of the paper's Table 1 on a set of high-resolution images: each is degraded by the
 * model's scale, super-resolved `samples` times (one batched pass for a batch of inputs), and scored:
 * PSNR and SSIM to the ground truth (mean over samples), LR-PSNR (the output degraded again against
 * the input), APD (mean pairwise MSE among an input's samples) and seconds per sample.
 */
export function evaluateSuperResolution(
  model: CVDVAE,
  data: ImageDataset,
  options: SrEvaluationOptions = {},
): Promise<SrTableRow> {
  const samples = options.samples ?? 5;
  const temperature = options.temperature ?? 0.8;
  let call = 0;
  const label = `CVDVAE t=${temperature}${options.output ? ` (pixels: mixture ${options.output})` : ''}`;
  return evaluate(data, model.config.scale, options, samples, label, (y) => {
    const out = model.superResolve(y, {
      samples,
      temperature,
      seed: (options.seed ?? 0) + call++,
      ...(options.output && { output: options.output }),
    });
    const flat = tf.reshape(out, [-1, ...out.shape.slice(2)]);
    out.dispose();
    return flat;
  });
}

/** The bicubic baseline's row (one deterministic output per input, so APD is 0). */
export function evaluateBicubic(
  data: ImageDataset,
  scale: number,
  options: SrEvaluationOptions = {},
): Promise<SrTableRow> {
  return evaluate(data, scale, options, 1, 'bicubic', (y) =>
    tf.tidy(() => tf.clipByValue(resize(y, { scale, method: 'bicubic' }), 0, 1)),
  );
}

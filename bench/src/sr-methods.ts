// What the cross-family super-resolution table (`pnpm bench sr`) needs besides the models' own calls: one
// scoring of samples against the ground truth, the pretrained ESRGAN-family reference from npm, and the
// Kadkhodaie solver on the benchmarks' bicubic degradation.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@scalespace/core';
import { bicubicDownsampleOperator, type Denoiser, solveInverseProblem } from '@scalespace/denoisers';
import { apd, lrPsnr, psnrPerImage, ssimPerImage } from '@scalespace/metrics';
import { resize } from '@scalespace/pyramids';
import { kerasGraph } from './keras-graph.js';

export const FACTOR = 4;

/** One row of the table: PSNR of one sample and of the mean of the samples, on [0, 1] images. */
export interface SrRow {
  method: string;
  dataset: string;
  images: number;
  samples: number;
  psnr: number;
  psnrOfMean: number;
  ssim: number;
  lrPsnr: number;
  /** Mean pairwise distance (MSE) between the samples of one input; 0 for a deterministic method. */
  apd: number;
  /** Network evaluations per output (sequential; 0 for bicubic). */
  evaluations: number;
  secondsPerImage: number;
  note?: string;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** The benchmarks' degradation: MATLAB's antialiased bicubic x1/4 (or x1/`factor`), clipped to [0, 1]. */
export function bicubicLow(hr: tf.Tensor4D, factor = FACTOR): tf.Tensor4D {
  const [, h, w] = hr.shape;
  return tf.tidy(
    () => tf.clipByValue(resize(hr, { height: h / factor, width: w / factor, method: 'bicubic' }), 0, 1) as tf.Tensor4D,
  );
}

/**
 * Scores `samples` [N * S, H, W, 1] (sample s of input i at i * S + s) against `truth` [N, H, W, 1]: PSNR and
 * SSIM of single samples, PSNR of each input's mean sample, LR-PSNR (the output degraded again against the
 * input, at `factor`, x4 by default), and the samples' diversity.
 */
export async function scoreSamples(
  samples: tf.Tensor4D,
  truth: tf.Tensor4D,
  low: tf.Tensor4D,
  perInput: number,
  factor = FACTOR,
): Promise<Pick<SrRow, 'psnr' | 'psnrOfMean' | 'ssim' | 'lrPsnr' | 'apd'>> {
  const [n, h, w, c] = truth.shape;
  const clipped = tf.tidy(() => tf.clipByValue(samples, 0, 1) as tf.Tensor4D);
  const repeated = tf.tidy(
    () => tf.reshape(tf.tile(tf.expandDims(truth, 1), [1, perInput, 1, 1, 1]), [-1, h, w, c]) as tf.Tensor4D,
  );
  const means = tf.tidy(() => tf.mean(tf.reshape(clipped, [n, perInput, h, w, c]), 1) as tf.Tensor4D);
  const psnrs = await psnrPerImage(clipped, repeated, 1);
  const meanPsnrs = await psnrPerImage(means, truth, 1);
  const ssims = await ssimPerImage(clipped, repeated, { dataRange: 1 });
  const lows = tf.tidy(() =>
    tf.reshape(tf.tile(tf.expandDims(low, 1), [1, perInput, 1, 1, 1]), [-1, ...low.shape.slice(1)]),
  );
  const lr: number[] = [];
  const spread: number[] = [];
  for (let i = 0; i < n * perInput; i++) {
    const [one, its] = tf.tidy(() => [tf.slice(clipped, [i], [1]), tf.slice(lows, [i], [1])]);
    lr.push(
      await lrPsnr(one, its, { scale: factor, dataRange: 1, degradation: (x) => bicubicLow(x as tf.Tensor4D, factor) }),
    );
    tf.dispose([one, its]);
  }
  if (perInput > 1) {
    for (let i = 0; i < n; i++) {
      const group = tf.slice(clipped, [i * perInput], [perInput]);
      spread.push(await apd(group));
      group.dispose();
    }
  }
  tf.dispose([clipped, repeated, means, lows]);
  return {
    psnr: mean(psnrs),
    psnrOfMean: mean(meanPsnrs),
    ssim: mean(ssims),
    lrPsnr: mean(lr),
    apd: perInput > 1 ? mean(spread) : 0,
  };
}

/**
 * The x4 model of `@upscalerjs/esrgan-slim` (MIT, Kevin Scott; an RDN of plain Keras layers, RGB in [0, 255]),
 * loaded from its package files and run by `kerasGraph` (tensor ops, no tfjs-layers): the deterministic
 * feed-forward reference. Grey inputs go in as three equal
 * channels, and the mean of the output's channels comes back.
 */
export async function loadEsrganSlim(): Promise<{ upscale: (low: tf.Tensor4D) => tf.Tensor4D; dispose: () => void }> {
  // The package exports no path to its model files: read them where pnpm links the bench's dependencies.
  const dir = fileURLToPath(new URL('../node_modules/@upscalerjs/esrgan-slim/models/x4/', import.meta.url));
  const topology = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const weights: Uint8Array[] = [];
  const specs = [];
  for (const group of topology.weightsManifest) {
    for (const path of group.paths) weights.push(await readFile(join(dir, path)));
    specs.push(...group.weights);
  }
  const data = new Uint8Array(weights.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of weights) {
    data.set(b, offset);
    offset += b.byteLength;
  }
  const model = kerasGraph(topology.modelTopology, tf.io.decodeWeights(data.buffer, specs));
  return {
    upscale: (low) =>
      tf.tidy(() => {
        const rgb = tf.mul(low.shape[3] === 1 ? tf.tile(low, [1, 1, 1, 3]) : low, 255);
        const out = tf.div(model.run(rgb as tf.Tensor4D), 255) as tf.Tensor4D;
        return low.shape[3] === 1 ? (tf.mean(out, -1, true) as tf.Tensor4D) : out;
      }),
    dispose: () => model.dispose(),
  };
}

/**
 * Kadkhodaie & Simoncelli's solver on the bicubic degradation: posterior samples whose bicubic x1/4 is the
 * input (the constrained ascent; Algorithm 2 proper needs block averages, which this degradation is not).
 * `factor` is x4 unless given.
 */
export async function kadkhodaieSamples(
  denoiser: Denoiser,
  low: tf.Tensor4D,
  perInput: number,
  seed: number,
  factor = FACTOR,
): Promise<{ samples: tf.Tensor4D; evaluations: number }> {
  const [, h, w, c] = low.shape;
  const operator = bicubicDownsampleOperator([h * factor, w * factor, c], factor);
  try {
    const result = await solveInverseProblem(denoiser, operator, low, { samples: perInput, seed });
    result.mean.dispose();
    return { samples: result.samples, evaluations: result.evaluations };
  } finally {
    operator.dispose();
  }
}

// Inference scaling of the shipped models, part of `pnpm bench core`: time and peak tensor memory of
// denoising (the flat RF 43 and multi-scale RF 13 denoisers) at 4 image sizes, and of CVDVAE x4
// super-resolution and PixelPyramids sampling at 4 batch sizes (both models are trained at one image size,
// MNIST's, so more images is how they get more pixels). Cost should grow linearly in pixels: the
// "ms per Mpx" column stays flat when it does.
import { rng, tf } from '@scalespace/core';
import { load as loadCvdvae } from '@scalespace/model-cvdvae-mnist-x4';
import { load as loadFlat } from '@scalespace/model-denoiser-flat-rf43';
import { load as loadMultiscale } from '@scalespace/model-denoiser-multiscale-rf13';
import { load as loadPixelPyramids } from '@scalespace/model-pixelpyramids-mnist';
import { median, printTable, timeRuns } from './harness.js';

interface Case {
  label: string;
  pixels: number;
  run: () => Promise<void>;
}

interface Task {
  name: string;
  cases: () => Promise<{ cases: Case[]; dispose: () => void }>;
}

const IMAGE_SIZES = [64, 128, 256, 512];
const BATCHES = [1, 4, 16, 64];

function denoiseTask(name: string, load: typeof loadFlat | typeof loadMultiscale): Task {
  return {
    name,
    cases: async () => {
      const model = await load();
      const cases = IMAGE_SIZES.map((s) => ({
        label: `${s}x${s}`,
        pixels: s * s,
        run: async () => {
          const noisy = rng(s).uniformTensor([1, s, s, 1]);
          const { image } = await model.denoise(noisy);
          await image.data();
          tf.dispose([noisy, image]);
        },
      }));
      return { cases, dispose: () => model.dispose() };
    },
  };
}

const tasks: Task[] = [
  denoiseTask('denoise, flat RF 43', loadFlat),
  denoiseTask('denoise, multi-scale RF 13', loadMultiscale),
  {
    name: 'CVDVAE x4 SR (8x8 -> 32x32)',
    cases: async () => {
      const model = await loadCvdvae();
      const cases = BATCHES.map((n) => ({
        label: `${n} image${n > 1 ? 's' : ''}`,
        pixels: n * 32 * 32,
        run: async () => {
          const y = rng(n).uniformTensor([n, 8, 8, 1]);
          const out = model.superResolve(y, { samples: 1, temperature: 0.8, seed: 1 });
          await out.data();
          tf.dispose([y, out]);
        },
      }));
      return { cases, dispose: () => model.dispose() };
    },
  },
  {
    name: 'PixelPyramids sampling (MNIST)',
    cases: async () => {
      const model = await loadPixelPyramids();
      const [h, w] = [model.config.model.height, model.config.model.width];
      const cases = BATCHES.map((n) => ({
        label: `${n} image${n > 1 ? 's' : ''}`,
        pixels: n * h * w,
        run: async () => {
          const { images } = await model.sample({ n, seed: 1 });
          await images.data();
          images.dispose();
        },
      }));
      return { cases, dispose: () => model.module.dispose() };
    },
  },
];

export interface ScalingRow {
  task: string;
  input: string;
  pixels: number;
  ms: Record<string, number>;
  peakMB: number;
}

/** Times every case on each backend (median of 3 after a warm-up) and its peak tensor memory on the first. */
export async function inferenceScaling(backends: string[]): Promise<ScalingRow[]> {
  const results: ScalingRow[] = [];
  for (const task of tasks) {
    const rows: ScalingRow[] = [];
    for (const [i, backend] of backends.entries()) {
      await tf.setBackend(backend);
      const { cases, dispose } = await task.cases();
      for (const [j, c] of cases.entries()) {
        if (i === 0) {
          const info = await tf.profile(c.run as () => Promise<tf.TensorContainer>);
          rows.push({ task: task.name, input: c.label, pixels: c.pixels, ms: {}, peakMB: info.peakBytes / 2 ** 20 });
        }
        rows[j].ms[backend] = median(await timeRuns(c.run, 3, 1));
      }
      dispose();
    }
    results.push(...rows);
  }
  const [first] = backends;
  console.log(`\ninference scaling (median of 3; peak = tensor memory at the high-water mark, on ${first}):`);
  printTable(
    [
      'task',
      'input',
      ...backends.map((b) => `${b} ms`),
      `${first} ms per Mpx`,
      'peak MB',
      ...(backends.length > 1 ? [`x ${backends[1]}`] : []),
    ],
    results.map((r) => [
      r.task,
      r.input,
      ...backends.map((b) => r.ms[b]),
      ((r.ms[first] * 1e6) / r.pixels).toFixed(0),
      r.peakMB.toFixed(1),
      ...(backends.length > 1 ? [(r.ms[backends[1]] / r.ms[first]).toFixed(2)] : []),
    ]),
  );
  return results;
}

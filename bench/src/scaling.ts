// `pnpm bench scaling`: inference time and peak tensor memory at 4 or 5 image sizes, to show that cost
// grows linearly in pixels. Denoising with the two shipped denoisers (fully convolutional: any size) at
// 64..512; CVDVAE x4 super-resolution and PixelPyramids sampling at 32..512 output pixels a side: the
// shipped MNIST models at 32, and above it the same architecture grown by the same rule (one more resolution on top:
// VD-VAE gets one encoder and one decoder block there, the CVDVAE encoder one block, PixelPyramids one
// level of 4 sub-image steps), with seeded untrained weights, since the cost of a pass does not depend on
// the weights' values. Each task runs on native (2 threads) and wasm when the addon is built. The growth
// exponent is the slope of log(cost) against log(pixels): over all sizes, where a fixed cost per call (op
// dispatch, a 4x4 PixelCNN's 16 steps) pulls it below 1 at small sizes, and between the two largest.
import { type AutoregressiveModel, createModel, recipeConfig } from '@scalespace/autoregressive';
import { initBackend, rng, tf } from '@scalespace/core';
import { CVDVAE, MNIST_VDVAE_CONFIG, VDVAE } from '@scalespace/hvae';
import { load as loadCVDVAE } from '@scalespace/model-cvdvae-mnist-x4';
import { load as loadFlat } from '@scalespace/model-denoiser-flat-rf43';
import { load as loadMultiscale } from '@scalespace/model-denoiser-multiscale-rf13';
import { load as loadPixelPyramids } from '@scalespace/model-pixelpyramids-mnist';
import { loadNative } from '@scalespace/native';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const DENOISE_SIZES = [64, 128, 256, 512];
const SAMPLE_SIZES = [32, 64, 128, 256, 512];
/** Timed rounds; the table shows the best of them, the least disturbed by other processes. */
const ROUNDS = 5;

/** A model at one size: what its weights are, one inference, and how to free it. */
interface Sized {
  weights: string;
  run: () => Promise<void>;
  dispose: () => void;
}

interface Task {
  name: string;
  sizes: number[];
  /** The model for one output size, what to run, and how to free it. */
  setup(size: number): Promise<Sized>;
}

/** Resolutions from `top` halving down to `bottom`, e.g. 128, 64, 32. */
function resolutionsDown(top: number, bottom: number): number[] {
  const out: number[] = [];
  for (let r = top; r >= bottom; r /= 2) out.push(r);
  return out;
}

/** The shipped MNIST VD-VAE prior's architecture grown to `size`: one block each way per extra resolution. */
function vdvaeAt(size: number): VDVAE {
  const tops = resolutionsDown(size, 32);
  return new VDVAE(
    {
      ...MNIST_VDVAE_CONFIG,
      imageSize: size,
      encBlocks: [...tops.map((r) => `${r}d2`), '16x2,16d2,8x2,8d2,4x2,4d4,1x1'].join(','),
      decBlocks: ['1x1,4m1,4x2,8m4,8x3,16m8,16x2', ...[...tops].reverse().map((r) => `${r}m${r / 2}`)].join(','),
    },
    { seed: size },
  );
}

/** The shipped CVDVAE x4's recipe at `size`: the encoder reads y upsampled x2 and covers the groups up to there. */
function cvdvaeAt(size: number): CVDVAE {
  const prior = vdvaeAt(size);
  const input = size / 2;
  const encBlocks = [...resolutionsDown(input, 32).map((r) => `${r}d2`), '16x2,16d2,8x2,8d2,4x2,4d4,1x1'].join(',');
  const groups = prior.decoder.dec_blocks.filter((b) => b.base <= input).length;
  return new CVDVAE(prior, { scale: 4, groups, encBlocks, upsample: 2 }, { seed: size });
}

function denoiseTask(name: string, load: typeof loadFlat | typeof loadMultiscale): Task {
  return {
    name,
    sizes: DENOISE_SIZES,
    async setup(size) {
      const model = await load();
      const run = async () => {
        const noisy = rng(size).uniformTensor([1, size, size, 1]);
        const { image } = await model.denoise(noisy);
        await image.data();
        tf.dispose([noisy, image]);
      };
      return { weights: 'shipped', run, dispose: () => model.dispose() };
    },
  };
}

const tasks: Task[] = [
  denoiseTask('denoise, flat RF 43', loadFlat),
  denoiseTask('denoise, multi-scale RF 13', loadMultiscale),
  {
    name: 'CVDVAE x4 SR, one sample',
    sizes: SAMPLE_SIZES,
    async setup(size) {
      const model = size === 32 ? await loadCVDVAE() : cvdvaeAt(size);
      const low = size / 4;
      const run = async () => {
        const y = rng(size).uniformTensor([1, low, low, 1]);
        const out = model.superResolve(y, { samples: 1, temperature: 0.8, seed: 1 });
        await out.data();
        tf.dispose([y, out]);
      };
      return { weights: size === 32 ? 'shipped' : 'untrained', run, dispose: () => model.dispose() };
    },
  },
  {
    name: 'PixelPyramids sampling, one image',
    sizes: SAMPLE_SIZES,
    async setup(size) {
      const model: AutoregressiveModel =
        size === 32
          ? await loadPixelPyramids()
          : createModel(recipeConfig('pixelpyramids', { size, channels: 1, bits: 8 }), size);
      const run = async () => {
        const { images } = await model.sample({ n: 1, seed: 1 });
        await images.data();
        images.dispose();
      };
      return { weights: size === 32 ? 'shipped' : 'untrained', run, dispose: () => model.module.dispose() };
    },
  },
];

export interface ScalingRow {
  task: string;
  size: number;
  pixels: number;
  weights: string;
  /** Best ms of the rounds, per backend. */
  ms: Record<string, number>;
  /** Median ms of the rounds, per backend. */
  medianMs: Record<string, number>;
  /** Tensor memory at the high-water mark (tf.profile) above what was held before (the weights), on the first backend. */
  peakMB: number;
}

/** Least-squares slope of log(y) against log(x). */
function growthExponent(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const num = lx.reduce((s, v, i) => s + (v - mx) * (ly[i] - my), 0);
  const den = lx.reduce((s, v) => s + (v - mx) ** 2, 0);
  return num / den;
}

interface Growth {
  task: string;
  /** Exponent of time over all sizes, per backend. */
  time: Record<string, number>;
  /** Exponent of time between the two largest sizes, per backend. */
  top: Record<string, number>;
  /** Exponent of peak tensor memory over all sizes. */
  peakMemory: number;
}

function growthOf(task: string, rows: ScalingRow[], backends: string[]): Growth {
  const pixels = rows.map((r) => r.pixels);
  const per = (rs: ScalingRow[]) =>
    Object.fromEntries(
      backends.map((b) => [
        b,
        growthExponent(
          pixels.slice(-rs.length),
          rs.map((r) => r.ms[b]),
        ),
      ]),
    );
  return {
    task,
    time: per(rows),
    top: per(rows.slice(-2)),
    peakMemory: growthExponent(
      pixels,
      rows.map((r) => r.peakMB),
    ),
  };
}

/**
 * Every size of a task on every backend, in ROUNDS interleaved rounds (after one warm-up round), so that
 * load from other processes falls on all of them alike; the models are made once (native and wasm share
 * one backend instance, so one model serves both).
 */
async function measure(task: Task, backends: string[]): Promise<ScalingRow[]> {
  await tf.setBackend(backends[0]);
  const models: Sized[] = [];
  for (const size of task.sizes) models.push(await task.setup(size));
  const rows: ScalingRow[] = task.sizes.map((size, i) => ({
    task: task.name,
    size,
    pixels: size * size,
    weights: models[i].weights,
    ms: {},
    medianMs: {},
    peakMB: 0,
  }));
  for (const [i, m] of models.entries()) {
    const held = tf.memory().numBytes; // every size's weights: not this call's working memory
    rows[i].peakMB = ((await tf.profile(m.run as () => Promise<tf.TensorContainer>)).peakBytes - held) / 2 ** 20;
  }
  const times = rows.map(() => backends.map(() => [] as number[]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [i, m] of models.entries()) {
      for (const [j, backend] of backends.entries()) {
        await tf.setBackend(backend);
        const [ms] = await timeRuns(m.run, 1, 0);
        if (round > 0) times[i][j].push(ms);
      }
    }
  }
  for (const m of models) m.dispose();
  for (const [i, row] of rows.entries()) {
    for (const [j, backend] of backends.entries()) {
      row.ms[backend] = Math.min(...times[i][j]);
      row.medianMs[backend] = median(times[i][j]);
    }
  }
  return rows;
}

export async function run(): Promise<void> {
  const { loadavg } = await import('node:os');
  const load = loadavg()[0];
  const native = loadNative();
  const backends = native.available ? ['native', 'wasm'] : ['wasm'];
  if (native.available) {
    await initBackend('native', { log: false });
    native.kernels.setThreads(2);
  } else console.log(`native rung skipped: ${native.reason}`);
  await initBackend('wasm', { log: false });

  const rows: ScalingRow[] = [];
  const growth: Growth[] = [];
  for (const task of tasks) {
    const taskRows = await measure(task, backends);
    rows.push(...taskRows);
    growth.push(growthOf(task.name, taskRows, backends));
  }
  const [first] = backends;
  console.log(`load average ${load.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (2 cores)`);
  console.log(
    `\ninference by output size (best of ${ROUNDS} interleaved rounds; peak = tensor memory at the high-water mark above the weights, on ${first}):`,
  );
  printTable(
    ['task', 'output', 'weights', ...backends.map((b) => `${b} ms`), `${first} ms/Mpx`, 'peak MB', 'peak B/px'],
    rows.map((r) => [
      r.task,
      `${r.size}x${r.size}`,
      r.weights,
      ...backends.map((b) => r.ms[b]),
      ((r.ms[first] * 1e6) / r.pixels).toFixed(0),
      r.peakMB.toFixed(1),
      ((r.peakMB * 2 ** 20) / r.pixels).toFixed(0),
    ]),
  );
  console.log('\ngrowth exponent (slope of log cost against log pixels; 1 = linear):');
  printTable(
    ['task', ...backends.map((b) => `${b} time`), 'peak memory', ...backends.map((b) => `${b}, top 2 sizes`)],
    growth.map((g) => [
      g.task,
      ...backends.map((b) => g.time[b].toFixed(2)),
      g.peakMemory.toFixed(2),
      ...backends.map((b) => g.top[b].toFixed(2)),
    ]),
  );
  const file = await writeResults('scaling', { loadAverage: load, backends, rounds: ROUNDS, rows, growth });
  console.log(`wrote ${file}`);
}

// Linear inverse problems with the prior in a denoiser (bench kadkhodaie): for each task of `scalespace restore`,
// one posterior sample and the mean of 8 against the task's classic baseline, on 48x48 centre crops of the held-out
// photo fixtures (camera, chelsea; 64x64 crops cost 1.8 times as much and gave the same verdicts).
// SCALESPACE_KADKHODAIE_CROP sets the crop side, SCALESPACE_KADKHODAIE_MODEL the model (a name of the denoising
// table, default flat-rf13, restore's default).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { imageGrid, tf, writeImage } from '@scalespace/core';
import {
  blockAverageOperator,
  gaussianBlurOperator,
  type LinearOperator,
  maskOperator,
  randomPixelsOperator,
  randomProjectionOperator,
  solveInverseProblem,
} from '@scalespace/denoisers';
import { printTable } from './harness.js';
import {
  type AnyDenoiser,
  FIGURES,
  HELD_OUT,
  loadModel,
  mean,
  photoCrops,
  scorePsnr,
  scoreSsim,
} from './kadkhodaie.js';

const CROP = Number(process.env.SCALESPACE_KADKHODAIE_CROP ?? 48);
/** The model `scalespace restore` uses without --model (chosen by the part restore-models). */
const MODEL = process.env.SCALESPACE_KADKHODAIE_MODEL ?? 'flat-rf13';
const CANDIDATES = ['flat-rf13', 'flat-rf43', 'multiscale-rf13', 'denoiser-flat-rf43 (ours)'];
const SAMPLES = 8;

/** The tasks with the CLI's defaults: x4, a centred square hole of a quarter of the side, keep 10%, blur 2 px. */
const ALL_TASKS: Array<{ task: string; make(shape: [number, number, number]): Promise<LinearOperator> }> = [
  { task: 'sr', make: async (shape) => blockAverageOperator(shape, 4) },
  {
    task: 'inpaint',
    make: async ([h, w, c]) => {
      const side = Math.round(Math.min(h, w) / 4);
      const [top, left] = [Math.floor((h - side) / 2), Math.floor((w - side) / 2)];
      const known = tf.pad(
        tf.zeros([side, side]),
        [
          [top, h - side - top],
          [left, w - side - left],
        ],
        1,
      );
      try {
        return await maskOperator(known, c, 'inpainting');
      } finally {
        known.dispose();
      }
    },
  },
  { task: 'pixels', make: (shape) => randomPixelsOperator(shape, 0.1, { seed: 1 }) },
  { task: 'deblur', make: (shape) => gaussianBlurOperator(shape, 2) },
  { task: 'cs', make: async (shape) => randomProjectionOperator(shape, 0.1, { seed: 1 }) },
];

/** SCALESPACE_KADKHODAIE_TASKS picks tasks (default all five), e.g. `pixels,inpaint`. */
const PICKED = process.env.SCALESPACE_KADKHODAIE_TASKS?.split(',');
const TASKS = ALL_TASKS.filter((t) => !PICKED || PICKED.includes(t.task));

const baselineName: Record<string, string> = {
  sr: 'bicubic',
  inpaint: 'harmonic fill',
  pixels: 'harmonic fill',
  deblur: 'Wiener',
  cs: 'pseudo-inverse',
};

interface Test {
  name: string;
  clean: tf.Tensor4D;
}

interface Scores {
  psnr: number;
  ssim: number;
}

interface Solved {
  baseline: Scores & { method: string; seconds: number };
  sample: Scores;
  mean: Scores;
  evaluations: number;
  seconds: number;
  converged: boolean;
  method: string;
  measured: number;
}

/** Centre crops of the held-out photos (the 192-pixel fixtures), as batches of one. */
async function heldOutCrops(): Promise<Test[]> {
  const crops = await photoCrops(CROP, HELD_OUT);
  return crops.map(({ name, image }) => ({ name, clean: tf.expandDims(image, 0) as tf.Tensor4D }));
}

/**
 * One task on one image: the baseline, and `samples` posterior samples with their mean. `keep` receives the
 * images of the figure row (what the measurement shows, baseline, one sample, mean, original) when given.
 */
async function solve(
  model: AnyDenoiser,
  make: (shape: [number, number, number]) => Promise<LinearOperator>,
  task: string,
  clean: tf.Tensor4D,
  samples: number,
  keep?: tf.Tensor4D[],
): Promise<Solved> {
  const op = await make([CROP, CROP, 1]);
  const measured = op.forward(clean);
  const t0 = performance.now();
  const baseline = await op.classic(measured);
  const baselineSeconds = (performance.now() - t0) / 1000;
  const result = await solveInverseProblem(model, op, measured, { samples, seed: 1 });
  const first = tf.slice(result.samples, [0], [1]) as tf.Tensor4D;
  const score = async (x: tf.Tensor4D): Promise<Scores> => ({
    psnr: await scorePsnr(x, clean),
    ssim: await scoreSsim(x, clean),
  });
  const solved: Solved = {
    baseline: { method: baselineName[task], ...(await score(baseline)), seconds: baselineSeconds },
    sample: await score(first),
    mean: await score(result.mean),
    evaluations: result.evaluations,
    seconds: result.seconds,
    converged: result.converged,
    method: result.method,
    measured: op.measurements / clean.size,
  };
  if (keep) {
    const shown = task === 'deblur' ? measured.clone() : op.pseudoInverse(measured);
    keep.push(shown, baseline.clone(), first.clone(), result.mean.clone(), clean.clone());
  }
  tf.dispose([measured, baseline, result.samples, result.mean, first]);
  op.dispose();
  return solved;
}

/** The five tasks with the model `restore` uses by default: one sample and the mean of 8, against the baselines. */
export async function runInverse(): Promise<unknown> {
  mkdirSync(FIGURES, { recursive: true });
  const model = await loadModel(MODEL);
  const tests = await heldOutCrops();
  const results: Record<string, Record<string, Solved>> = {};
  const rows: Array<Array<string | number>> = [];
  const figure: tf.Tensor4D[] = [];
  for (const { task, make } of TASKS) {
    results[task] = {};
    for (const { name, clean } of tests) {
      const keep = name === tests[0].name ? figure : undefined;
      const e = await solve(model, make, task, clean, SAMPLES, keep);
      results[task][name] = e;
      rows.push(
        [task, name, baselineName[task], e.baseline.psnr, e.baseline.ssim, 0, e.baseline.seconds],
        [task, name, 'one sample', e.sample.psnr, e.sample.ssim, e.evaluations, e.seconds],
        [task, name, `mean of ${SAMPLES}`, e.mean.psnr, e.mean.ssim, e.evaluations, e.seconds],
      );
      console.log(`  ${task} ${name}: ${e.seconds.toFixed(0)} s`);
    }
  }
  const grid = imageGrid(tf.clipByValue(tf.concat(figure), 0, 1) as tf.Tensor4D, { columns: 5 });
  await writeImage(join(FIGURES, 'inverse-problems.png'), grid);
  tf.dispose([grid, ...figure, ...tests.map((t) => t.clean)]);
  model.dispose();
  console.log(
    `\nLinear inverse problems, ${CROP}x${CROP} centre crops, model ${MODEL} (evaluations and seconds: all ${SAMPLES} samples)`,
  );
  printTable(['task', 'image', 'method', 'PSNR', 'SSIM', 'evaluations', 'seconds'], rows);
  const summary = summarize(results);
  return { model: MODEL, crop: CROP, samples: SAMPLES, summary, results };
}

/** Per task, the mean over the images of the baseline's, one sample's and the mean's PSNR. */
function summarize(results: Record<string, Record<string, Solved>>) {
  return Object.fromEntries(
    Object.entries(results).map(([task, byImage]) => {
      const all = Object.values(byImage);
      const avg = (f: (e: Solved) => number) => mean(all.map(f));
      return [
        task,
        {
          baseline: avg((e) => e.baseline.psnr),
          sample: avg((e) => e.sample.psnr),
          mean: avg((e) => e.mean.psnr),
          beatsBaseline: all.every((e) => e.mean.psnr > e.baseline.psnr),
        },
      ];
    }),
  );
}

/** Which model `restore` should use by default: one sample per task and image from each candidate. */
export async function runRestoreModels(): Promise<unknown> {
  const tests = await heldOutCrops();
  const table: Record<string, Record<string, number>> = { baseline: {} };
  const seconds: Record<string, number> = {};
  for (const name of CANDIDATES) {
    const model = await loadModel(name);
    table[name] = {};
    const t0 = performance.now();
    for (const { task, make } of TASKS) {
      const solved: Solved[] = [];
      for (const { clean } of tests) solved.push(await solve(model, make, task, clean, 1));
      table[name][task] = mean(solved.map((e) => e.sample.psnr));
      table.baseline[task] = mean(solved.map((e) => e.baseline.psnr));
    }
    seconds[name] = (performance.now() - t0) / 1000;
    model.dispose();
    console.log(`  ${name}: ${seconds[name].toFixed(0)} s`);
  }
  tf.dispose(tests.map((t) => t.clean));
  console.log(`\nOne posterior sample per task, mean PSNR over the ${CROP}x${CROP} crops (seconds: all tasks)`);
  printTable(
    ['model', ...TASKS.map((t) => t.task), 'mean', 'seconds'],
    ['baseline', ...CANDIDATES].map((name) => [
      name,
      ...TASKS.map((t) => table[name][t.task]),
      mean(Object.values(table[name])),
      seconds[name] ?? 0,
    ]),
  );
  return { crop: CROP, samples: 1, psnr: table, seconds };
}

/**
 * Random missing pixels (keep 10%) with the solver's two projections, over three mask and noise seeds: the paper's
 * orthogonal one (paste the known pixels) against the harmonic one `randomPixelsOperator` uses (the known pixels'
 * harmonic fill), PSNR of one sample and of the mean of 8 beside the harmonic fill baseline.
 */
export async function runPixelsProjection(): Promise<unknown> {
  const model = await loadModel(MODEL);
  const tests = await heldOutCrops();
  const runs: Array<Record<string, number | string>> = [];
  const rows: Array<Array<string | number>> = [];
  for (const seed of [1, 2, 3]) {
    for (const { name, clean } of tests) {
      const entry: Record<string, number | string> = { seed, image: name };
      for (const projection of ['orthogonal', 'harmonic'] as const) {
        const op = await randomPixelsOperator([CROP, CROP, 1], 0.1, { seed, projection });
        const measured = op.forward(clean);
        const baseline = await op.classic(measured);
        const result = await solveInverseProblem(model, op, measured, { samples: SAMPLES, seed });
        const first = tf.slice(result.samples, [0], [1]);
        entry.fill = await scorePsnr(baseline, clean);
        entry[`${projection}Sample`] = await scorePsnr(first, clean);
        entry[`${projection}Mean`] = await scorePsnr(result.mean, clean);
        entry[`${projection}Evaluations`] = result.evaluations;
        tf.dispose([measured, baseline, result.samples, result.mean, first]);
        op.dispose();
      }
      runs.push(entry);
      const f = (k: string) => (entry[k] as number).toFixed(2);
      rows.push([
        seed,
        name,
        f('fill'),
        f('orthogonalSample'),
        f('orthogonalMean'),
        f('harmonicSample'),
        f('harmonicMean'),
      ]);
    }
  }
  tf.dispose(tests.map((t) => t.clean));
  model.dispose();
  console.log(`\nRandom missing pixels (keep 10%), ${CROP}x${CROP} crops, model ${MODEL}: PSNR by projection`);
  printTable(
    ['seed', 'image', 'fill', 'orth. sample', `orth. mean of ${SAMPLES}`, 'harm. sample', `harm. mean of ${SAMPLES}`],
    rows,
  );
  const gain = (k: string) => mean(runs.map((r) => (r[k] as number) - (r.fill as number)));
  return {
    model: MODEL,
    crop: CROP,
    samples: SAMPLES,
    runs,
    meanGainOverFill: { orthogonalMean: gain('orthogonalMean'), harmonicMean: gain('harmonicMean') },
    harmonicMeanBeatsFillEverywhere: runs.every((r) => (r.harmonicMean as number) > (r.fill as number)),
  };
}

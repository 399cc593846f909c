// PixelPyramids against PixelCNN++ on natural-photo patches at an equal wall-clock budget, the case the
// entropy bench calls favourable to the pyramid. Both models (the CLI's recipes, grey 8-bit 32x32) train
// on random patches of freely licensed photos from Debian's python3-skimage, then get exact bits/dim on
// patches of held-out photos, sample grids, and PixelPyramids' x4 super-resolution against bicubic.
//
// `SCALESPACE_PHOTO_MINUTES` (default 20) is each model's training budget; the runs go to
// `SCALESPACE_PHOTO_RUNS` (default a temporary folder) so a model that wins can be exported.
// `SCALESPACE_PHOTO_MODELS=pixelpyramids` skips PixelCNN++ (its 16 samples take 1024 sequential steps);
// `SCALESPACE_PHOTO_EVAL_ONLY=1` measures the runs already in SCALESPACE_PHOTO_RUNS without training.
// Everything after training uses the EMA weights of the checkpoints (as `scalespace eval nll` does).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AutoregressiveModel,
  createModel,
  loadModel,
  type PixelPyramids,
  recipeConfig,
  trainModel,
} from '@scalespace/autoregressive';
import { bitsPerDim as bitsPerDimOf, imageGrid, initBackend, tf, writeImage } from '@scalespace/core';
import { PatchSampler, readImageFiles } from '@scalespace/data';
import { disposePaired, pairedPyramid, resize } from '@scalespace/pyramids';
import { printTable, RESULTS_DIR, writeResults } from './harness.js';
import { bicubicLow, FACTOR, type SrRow, scoreSamples } from './sr-methods.js';

const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
/** Photos (and two photographed textures) scikit-image documents as CC0 or public domain. */
const TRAIN = [
  'astronaut.png',
  'camera.png',
  'coffee.png',
  'rocket.jpg',
  'coins.png',
  'clock_motion.png',
  'brick.png',
  'grass.png',
];
/** Held out: no patch of these is ever trained on. */
const TEST = ['chelsea.png', 'gravel.png'];
const SIZE = 32;
type Kind = 'pixelcnn' | 'pixelpyramids';
const BATCH = 16;
const TEST_PATCHES = 2000;
const SR_INPUTS = 24;
const SR_SAMPLES = 8;
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

const toInts = (x: tf.Tensor4D) => tf.tidy(() => tf.cast(tf.round(tf.mul(x, 255)), 'int32') as tf.Tensor4D);

async function patchSampler(files: string[], seed: number, batchSize: number, flip: boolean) {
  const images = await readImageFiles(
    files.map((f) => join(SKIMAGE, f)),
    { channels: 1 },
  );
  return new PatchSampler(images, { size: SIZE, batchSize, seed, flip });
}

interface ModelEntry {
  kind: Kind;
  steps: number;
  trainSeconds: number;
  lastTrainBitsPerDim: number;
  testBitsPerDim: number;
  sampleSecondsFor16: number;
  sampleEvaluations: number;
}

async function previousEntries(): Promise<ModelEntry[]> {
  const file = join(RESULTS_DIR, 'autoregressive-photos.json');
  if (!existsSync(file)) return [];
  return JSON.parse(await readFile(file, 'utf8')).results?.models ?? [];
}

/** The first `count` images of a float batch as docs/NAME.png, 8 to a row, each enlarged 2x. */
async function writeGrid(name: string, batch: tf.Tensor4D, count = 16): Promise<void> {
  const grid = tf.tidy(() => {
    const first = tf.slice(batch, [0], [Math.min(count, batch.shape[0])]);
    const big = tf.image.resizeNearestNeighbor(first, [2 * first.shape[1], 2 * first.shape[2]]);
    return imageGrid(tf.clipByValue(big, 0, 1) as tf.Tensor4D, { columns: 8 });
  });
  await writeImage(join(DOCS, `${name}.png`), grid);
  grid.dispose();
}

/** Mean bits/dim of `model` over int32 patches, in batches of 100. */
function bitsPerDim(model: AutoregressiveModel, patches: tf.Tensor4D): number {
  let nats = 0;
  for (let i = 0; i < patches.shape[0]; i += 100) {
    nats += tf.tidy(() => {
      const x = tf.slice(patches, [i], [Math.min(100, patches.shape[0] - i)]);
      return -tf.sum(model.logProb(x)).dataSync()[0];
    });
  }
  return bitsPerDimOf(nats, patches.size);
}

/** Trains `kind` for `minutes` into runs/kind (unless evalOnly), then loads its EMA weights and the run's length. */
async function trained(kind: Kind, sampler: PatchSampler, runs: string, minutes: number, evalOnly: boolean) {
  if (!evalOnly) {
    const model = createModel(recipeConfig(kind, { size: SIZE, channels: 1, bits: 8 }), 0);
    await train(model, kind, sampler, runs, minutes);
    model.module.dispose();
  }
  const log = (await readFile(join(runs, kind, 'log.jsonl'), 'utf8')).trim().split('\n');
  const last = JSON.parse(log[log.length - 1]) as { step: number; seconds: number; bitsPerDim: number };
  return {
    model: await loadModel(join(runs, kind)),
    steps: last.step,
    seconds: last.seconds,
    lastBits: last.bitsPerDim,
  };
}

async function train(model: AutoregressiveModel, kind: Kind, sampler: PatchSampler, runs: string, minutes: number) {
  return trainModel(model, {
    steps: 1_000_000,
    maxSeconds: minutes * 60,
    batch: (step) => tf.tidy(() => toInts(sampler.batch(step))),
    out: join(runs, kind),
    force: true,
    checkpointEvery: 500,
    training: { data: `skimage patches ${TRAIN.join(',')}`, size: SIZE, bits: 8, batch: BATCH, seed: 0 },
    log: (e) => {
      if (e.step % 500 === 0) console.log(`${kind} step ${e.step}: ${e.bitsPerDim.toFixed(3)} bits/dim`);
    },
  });
}

/** PixelPyramids' x4 super-resolution of `truth` (float [N, 32, 32, 1]) from its own 8x8 level, SR_SAMPLES each. */
async function superResolve(net: PixelPyramids, truth: tf.Tensor4D, temperature: number) {
  const ints = tf.tidy(() =>
    toInts(tf.reshape(tf.tile(tf.expandDims(truth, 1), [1, SR_SAMPLES, 1, 1, 1]), [-1, SIZE, SIZE, 1]) as tf.Tensor4D),
  );
  // Each paired level halves one side: four levels take 32x32 to 8x8.
  const pyramid = pairedPyramid(ints, { bits: 8, levels: 4 });
  const [, h, w] = pyramid.coarse.shape;
  if (h !== SIZE / FACTOR || w !== SIZE / FACTOR) throw new Error(`expected an 8x8 level, got ${h}x${w}`);
  const out = await net.superResolve(pyramid.coarse, { seed: 7, temperature });
  const images = tf.tidy(() => tf.div(tf.cast(out.images, 'float32'), 255) as tf.Tensor4D);
  disposePaired(pyramid);
  tf.dispose([ints, out.images]);
  return { images, evaluations: out.networkEvaluations, seconds: out.seconds };
}

async function srRows(net: PixelPyramids, truth: tf.Tensor4D): Promise<SrRow[]> {
  const low = bicubicLow(truth);
  const rows: SrRow[] = [];
  const started = performance.now();
  const bicubic = tf.tidy(() => resize(low, { scale: FACTOR, method: 'bicubic', antialias: false }) as tf.Tensor4D);
  const base = { dataset: 'photo patches (held out)', images: SR_INPUTS };
  rows.push({
    method: 'bicubic',
    ...base,
    samples: 1,
    ...(await scoreSamples(bicubic, truth, low, 1)),
    evaluations: 0,
    secondsPerImage: (performance.now() - started) / 1000 / SR_INPUTS,
  });
  await writeGrid('pixelpyramids-photos-sr-bicubic', bicubic, 8);
  bicubic.dispose();
  for (const temperature of [1, 0.8]) {
    const { images, evaluations, seconds } = await superResolve(net, truth, temperature);
    rows.push({
      method: `PixelPyramids t=${temperature}`,
      ...base,
      samples: SR_SAMPLES,
      ...(await scoreSamples(images, truth, low, SR_SAMPLES)),
      evaluations,
      secondsPerImage: seconds / (SR_INPUTS * SR_SAMPLES),
      note: 'sees its own 8x8 pyramid level, not the bicubic input',
    });
    if (temperature === 1) {
      const firsts = tf.tidy(() => tf.gather(images, tf.range(0, 8 * SR_SAMPLES, SR_SAMPLES, 'int32')) as tf.Tensor4D);
      await writeGrid('pixelpyramids-photos-sr-samples', firsts, 8);
      firsts.dispose();
    }
    images.dispose();
  }
  low.dispose();
  return rows;
}

export async function run(): Promise<void> {
  if (!existsSync(join(SKIMAGE, TEST[0]))) {
    console.log(`skipped: the photos come from Debian's python3-skimage (${SKIMAGE}); apt-get install python3-skimage`);
    return;
  }
  await initBackend();
  const minutes = Number(process.env.SCALESPACE_PHOTO_MINUTES ?? 20);
  const runs = process.env.SCALESPACE_PHOTO_RUNS ?? (await mkdtemp(join(tmpdir(), 'scalespace-photos-')));
  const trainSampler = await patchSampler(TRAIN, 0, BATCH, true);
  const test = await patchSampler(TEST, 1, TEST_PATCHES, false);
  const testPatches = toInts(test.batch(0));
  console.log(`backend ${tf.getBackend()}; ${minutes} min per model; runs in ${runs}`);
  const models: Record<string, AutoregressiveModel> = {};
  const kinds = (process.env.SCALESPACE_PHOTO_MODELS ?? 'pixelpyramids,pixelcnn').split(',') as Kind[];
  // Models not measured in this run keep their entries from the last results.
  const entries = (await previousEntries()).filter((e) => !kinds.includes(e.kind));
  const evalOnly = process.env.SCALESPACE_PHOTO_EVAL_ONLY === '1';
  for (const kind of kinds) {
    const { model, ...result } = await trained(kind, trainSampler, runs, minutes, evalOnly);
    models[kind] = model;
    const testBits = bitsPerDim(model, testPatches);
    const samples = await model.sample({ n: 16, seed: 3 });
    const grid = tf.tidy(() => tf.div(tf.cast(samples.images, 'float32'), 255) as tf.Tensor4D);
    await writeGrid(`${kind}-photos-samples`, grid);
    tf.dispose([grid, samples.images]);
    entries.push({
      kind,
      steps: result.steps,
      trainSeconds: result.seconds,
      lastTrainBitsPerDim: result.lastBits,
      testBitsPerDim: testBits,
      sampleSecondsFor16: samples.seconds,
      sampleEvaluations: samples.networkEvaluations,
    });
  }
  printTable(
    ['model', 'steps', 'train s', 'test bits/dim', '16 samples s', 'evaluations'],
    entries.map((e) => [
      e.kind,
      e.steps,
      e.trainSeconds.toFixed(0),
      e.testBitsPerDim.toFixed(3),
      e.sampleSecondsFor16.toFixed(1),
      e.sampleEvaluations,
    ]),
  );
  const truth = tf.tidy(() => tf.div(tf.cast(tf.slice(testPatches, [0], [SR_INPUTS]), 'float32'), 255) as tf.Tensor4D);
  await writeGrid('pixelpyramids-photos-sr-truth', truth, 8);
  const sr = models.pixelpyramids ? await srRows(models.pixelpyramids.module as PixelPyramids, truth) : [];
  printTable(
    ['method', 'PSNR', 'PSNR of mean', 'SSIM', 'LR-PSNR', 'APD', 'evaluations', 's/image'],
    sr.map((r) => [
      r.method,
      r.psnr.toFixed(2),
      r.psnrOfMean.toFixed(2),
      r.ssim.toFixed(3),
      r.lrPsnr.toFixed(2),
      r.apd.toFixed(4),
      r.evaluations,
      r.secondsPerImage.toFixed(3),
    ]),
  );
  tf.dispose([truth, testPatches]);
  for (const m of Object.values(models)) m.module.dispose();
  const data = { train: TRAIN, test: TEST, source: SKIMAGE, size: SIZE, batch: BATCH, testPatches: TEST_PATCHES };
  console.log(
    `wrote ${await writeResults('autoregressive-photos', { minutes, data, models: entries, superResolution: sr })}`,
  );
}

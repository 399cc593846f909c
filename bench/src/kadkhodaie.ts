// The paper's experiments (Kadkhodaie, Guth, Mallat & Simoncelli, ICLR 2023) re-run with the official trained
// networks (@scalespace/model-kadkhodaie-celeba160 / -celeba320), next to the denoisers trained by scalespace:
// - denoise: PSNR against sigma 5..100 for flat RF 5-43 and the conditional RF 5-43 sets on every grey test image
//   here: 128x128 centre crops of the seven CC0 photo fixtures of @scalespace/data (camera and chelsea held out of
//   our models' training, the five others in it) and a face not in CelebA (the astronaut crop, 160x160);
// - synthesis: Algorithm 2 with the CelebA 320 set (320x320 faces), evaluations and time per sample;
// - sr: x4 and x8 super-resolution to 320x320 by Algorithm 2 against bicubic, on the 320x320 face;
// - inverse: the five linear inverse problems of `scalespace restore` against their classic baselines;
// - restore-models (not in the default run): which model `restore` should use by default;
// - pixels-projection (not in the default run): random missing pixels with the orthogonal and harmonic projections;
// - float16 (not in the default run, 25 minutes): what float16 weights would change in denoised images.
// SCALESPACE_KADKHODAIE_PARTS picks parts (default denoise,synthesis,sr,inverse); each part's results replace its
// entry in results/kadkhodaie.json. Times are seconds on whatever the machine is doing: compare within one run.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, readImage, rng, tf } from '@scalespace/core';
import { FIXTURES, loadFixture } from '@scalespace/data';
import { type FlatDenoiser, loadDenoiser, type MultiscaleDenoiser, saveDenoiser } from '@scalespace/denoisers';
import { psnr, ssim } from '@scalespace/metrics';
import { heldOutPhotos, load as loadOursFlat } from '@scalespace/model-denoiser-flat-rf43';
import { load as loadOursMultiscale } from '@scalespace/model-denoiser-multiscale-rf13';
import { testImage as face160, load as load160, models as models160 } from '@scalespace/model-kadkhodaie-celeba160';
import { testImage as face320, load as load320 } from '@scalespace/model-kadkhodaie-celeba320';
import { printTable, RESULTS_DIR, writeResults } from './harness.js';
import { runInverse, runPixelsProjection, runRestoreModels } from './kadkhodaie-inverse.js';
import { runSuperResolution, runSynthesis } from './kadkhodaie-sampling.js';

export type AnyDenoiser = FlatDenoiser | MultiscaleDenoiser;
export const SIGMAS = [5, 10, 20, 25, 50, 100];
export const FIGURES = join(RESULTS_DIR, 'kadkhodaie');
/** The photos held out of the training of the denoisers trained here (the five others were in it). */
export const HELD_OUT = ['camera', 'chelsea'];
const CROP = 128;

export interface TestImage {
  name: string;
  image: tf.Tensor3D;
}

/** A centre crop of at most `size` x `size` pixels. */
export function centreCrop(image: tf.Tensor3D, size: number): tf.Tensor3D {
  const [h, w, c] = image.shape;
  const [ch, cw] = [Math.min(size, h), Math.min(size, w)];
  return tf.slice(image, [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), 0], [ch, cw, c]);
}

/** The grey photo fixtures (192 px on the longer side), each as a centre crop of `size` (at most). */
export async function photoCrops(size: number, names: readonly string[] = FIXTURES): Promise<TestImage[]> {
  return Promise.all(
    names.map(async (name) => {
      const full = await loadFixture(name as (typeof FIXTURES)[number], { channels: 1 });
      const image = centreCrop(full, size);
      full.dispose();
      return { name, image };
    }),
  );
}

/** The denoising test images: 128x128 crops of the seven photos and the 160x160 face. */
async function testImages(): Promise<TestImage[]> {
  const face = await readImage(fileURLToPath(face160 as URL), { channels: 1 });
  return [...(await photoCrops(CROP)), { name: 'face160', image: face }];
}

/** Every model of the denoising table: the official ones by their CLI names, then ours. */
function allModels(): Array<{ name: string; load: () => Promise<AnyDenoiser> }> {
  return [
    ...models160.map((name) => ({ name, load: () => load160(name) })),
    { name: 'multiscale320-rf13', load: load320 },
    { name: 'denoiser-flat-rf43 (ours)', load: () => loadOursFlat() },
    { name: 'denoiser-multiscale-rf13 (ours)', load: () => loadOursMultiscale() },
  ];
}

/** A model of the denoising table by its name there. */
export async function loadModel(name: string): Promise<AnyDenoiser> {
  const entry = allModels().find((m) => m.name === name);
  if (!entry) throw new Error(`bench kadkhodaie: no model ${name}; models: ${allModels().map((m) => m.name)}`);
  return entry.load();
}

/** PSNR of an output as it would be saved (clipped to [0, 1]). */
export async function scorePsnr(out: tf.Tensor, ref: tf.Tensor): Promise<number> {
  const clipped = tf.clipByValue(out, 0, 1);
  try {
    return await psnr(clipped, ref, { dataRange: 1 });
  } finally {
    clipped.dispose();
  }
}

/** SSIM of an output as it would be saved (clipped to [0, 1]). */
export async function scoreSsim(out: tf.Tensor, ref: tf.Tensor): Promise<number> {
  const clipped = tf.clipByValue(out, 0, 1);
  try {
    return await ssim(clipped, ref, { dataRange: 1 });
  } finally {
    clipped.dispose();
  }
}

/** PSNR of the noisy input, unclipped (about 20 log10(255 / sigma)). */
const noisyPsnr = (noisy: tf.Tensor, ref: tf.Tensor): number =>
  tf.tidy(() => -10 * Math.log10(tf.mean(tf.squaredDifference(noisy, ref)).dataSync()[0]));

export const mean = (values: number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/** The same noise for every model: noisy[s][i] for SIGMAS[s] and image i. */
function noisyImages(images: TestImage[], sigmas: number[]): tf.Tensor3D[][] {
  const r = rng(2023);
  return sigmas.map((sigma) =>
    images.map(({ name, image }) =>
      tf.tidy(() => tf.add(image, r.fork(`${name}-${sigma}`).normalTensor(image.shape, { std: sigma / 255 }))),
    ),
  );
}

async function denoisePsnrs(model: AnyDenoiser, images: TestImage[], noisy: tf.Tensor3D[][]): Promise<number[][]> {
  const table: number[][] = [];
  for (const row of noisy) {
    const values: number[] = [];
    for (const [i, x] of row.entries()) {
      const { image } = await model.denoise(x);
      values.push(await scorePsnr(image, images[i].image));
      image.dispose();
    }
    table.push(values);
  }
  return table; // [sigma][image]
}

async function runDenoise(images: TestImage[]): Promise<unknown> {
  const noisy = noisyImages(images, SIGMAS);
  const results: Record<string, Record<string, number[]>> = {
    'noisy input': Object.fromEntries(
      images.map(({ name, image }, i) => [name, noisy.map((r) => noisyPsnr(r[i], image))]),
    ),
  };
  const times: Record<string, number> = {};
  for (const { name, load } of allModels()) {
    const model = await load();
    const t0 = performance.now();
    const table = await denoisePsnrs(model, images, noisy);
    times[name] = (performance.now() - t0) / 1000;
    results[name] = Object.fromEntries(images.map(({ name: image }, i) => [image, table.map((row) => row[i])]));
    model.dispose();
    console.log(`  ${name}: ${times[name].toFixed(0)} s`);
  }
  tf.dispose(noisy.flat());
  const others = images.map((i) => i.name).filter((n) => !HELD_OUT.includes(n) && n !== 'face160');
  const groups: Record<string, string[]> = { heldOut: HELD_OUT, otherPhotos: others, face: ['face160'] };
  const means = Object.fromEntries(
    Object.entries(groups).map(([group, names]) => [
      group,
      Object.fromEntries(
        Object.entries(results).map(([model, byImage]) => [
          model,
          SIGMAS.map((_, s) => mean(names.map((n) => byImage[n][s]))),
        ]),
      ),
    ]),
  );
  for (const [group, names] of Object.entries(groups)) {
    console.log(`\nDenoising PSNR (dB) against sigma (of 255), mean over ${names.join(', ')}`);
    printTable(
      ['model', ...SIGMAS.map((s) => `${s}`)],
      Object.entries(means[group]).map(([model, row]) => [model, ...row]),
    );
  }
  // The default natural-image denoiser: the best mean PSNR over sigmas on the held-out photos.
  const ranked = Object.entries(means.heldOut)
    .filter(([model]) => model !== 'noisy input')
    .map(([model, row]) => ({ model, meanPsnr: mean(row) }))
    .sort((a, b) => b.meanPsnr - a.meanPsnr);
  console.log(
    `\nBest on the held-out photos (mean over sigmas): ${ranked[0].model} (${ranked[0].meanPsnr.toFixed(2)} dB)`,
  );
  return {
    sigmas: SIGMAS,
    images: images.map((i) => [i.name, i.image.shape]),
    groups,
    psnr: results,
    means,
    bestOnHeldOut: ranked[0].model,
    ranking: ranked,
    seconds: times,
  };
}

/** The images the float16 part measured on: the held-out photos at full size and both face crops. */
async function float16Images(): Promise<TestImage[]> {
  const files = [
    ['camera', fileURLToPath(heldOutPhotos.camera as URL)],
    ['chelsea', fileURLToPath(heldOutPhotos.chelsea as URL)],
    ['face160', fileURLToPath(face160 as URL)],
    ['face320', fileURLToPath(face320 as URL)],
  ];
  return Promise.all(files.map(async ([name, file]) => ({ name, image: await readImage(file, { channels: 1 }) })));
}

/** A model's float16 copy: saved with float16 weights (into a temporary folder) and loaded back. */
async function float16Copy(model: AnyDenoiser): Promise<AnyDenoiser> {
  const dir = await mkdtemp(join(tmpdir(), 'kadkhodaie-f16-'));
  try {
    await saveDenoiser(dir, model, { float16: true });
    return await loadDenoiser(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Largest PSNR change and pixel change float16 storage would make, per official model, on every test image. */
async function runFloat16(images: TestImage[]): Promise<unknown> {
  const sigmas = [5, 25, 100];
  const noisy = noisyImages(images, sigmas);
  const rows: Record<string, { maxPsnrChange: number; maxPixelChange: number }> = {};
  for (const { name, load } of allModels().filter((m) => !m.name.endsWith('(ours)'))) {
    const full = await load();
    const half = await float16Copy(full);
    let maxPsnrChange = 0;
    let maxPixelChange = 0;
    for (const [s] of sigmas.entries()) {
      for (const [i, x] of noisy[s].entries()) {
        const [a, b] = [(await half.denoise(x)).image, (await full.denoise(x)).image];
        maxPsnrChange = Math.max(
          maxPsnrChange,
          Math.abs((await scorePsnr(a, images[i].image)) - (await scorePsnr(b, images[i].image))),
        );
        maxPixelChange = Math.max(
          maxPixelChange,
          tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]),
        );
        tf.dispose([a, b]);
      }
    }
    rows[name] = { maxPsnrChange, maxPixelChange };
    console.log(`  ${name}: ${maxPsnrChange.toFixed(4)} dB`);
    half.dispose();
    full.dispose();
  }
  tf.dispose(noisy.flat());
  console.log(`\nfloat16 weights against float32: largest change over ${images.length} images x sigma ${sigmas}`);
  printTable(
    ['model', 'max |PSNR change| (dB)', 'max |pixel change|'],
    Object.entries(rows).map(([n, r]) => [n, r.maxPsnrChange, r.maxPixelChange]),
  );
  return { sigmas, models: rows };
}

const PARTS = ['denoise', 'synthesis', 'sr', 'inverse', 'restore-models', 'pixels-projection', 'float16'];
const DEFAULT_PARTS = ['denoise', 'synthesis', 'sr', 'inverse'];

export async function run(): Promise<void> {
  const parts = (process.env.SCALESPACE_KADKHODAIE_PARTS ?? DEFAULT_PARTS.join(',')).split(',');
  const unknown = parts.filter((p) => !PARTS.includes(p));
  if (unknown.length > 0) throw new Error(`bench kadkhodaie: unknown parts ${unknown}; parts: ${PARTS.join(', ')}`);
  const backend = await initBackend(undefined, { log: false });
  const file = join(RESULTS_DIR, 'kadkhodaie.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results ?? {}) : {};
  const results: Record<string, unknown> = { ...previous };
  const os = await import('node:os');
  const load = () => os.loadavg().map((l) => Number(l.toFixed(2)));
  for (const part of parts) {
    const loadBefore = load();
    console.log(`\n-- ${part} (${backend}, load average ${loadBefore.join(' ')})`);
    const started = performance.now();
    let result: unknown;
    if (part === 'denoise' || part === 'float16') {
      const images = part === 'denoise' ? await testImages() : await float16Images();
      result = part === 'denoise' ? await runDenoise(images) : await runFloat16(images);
      tf.dispose(images.map((i) => i.image));
    }
    if (part === 'synthesis') result = await runSynthesis();
    if (part === 'sr') result = await runSuperResolution();
    if (part === 'inverse') result = await runInverse();
    if (part === 'restore-models') result = await runRestoreModels();
    if (part === 'pixels-projection') result = await runPixelsProjection();
    const seconds = (performance.now() - started) / 1000;
    console.log(`-- ${part}: ${seconds.toFixed(0)} s, load average ${load().join(' ')}`);
    results[part] = { backend, loadAverage: { before: loadBefore, after: load() }, seconds, ...(result as object) };
    await writeResults('kadkhodaie', results);
  }
}

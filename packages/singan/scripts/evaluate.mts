// Measures trained single-image models for the README table: training seconds, SIFID (mean over 16
// samples against the training image), diversity over the same 16 samples (mean pairwise distance with
// @scalespace/metrics' apd, both with its trunk perceptual distance and with MSE; pixel std across
// samples), patch error and reconstruction PSNR. SIFID and the perceptual distance run on nsfwjs's
// InceptionV3 trunk (not the official FID Inception weights): compare rows here, not published numbers.
// Usage: npx tsx scripts/evaluate.mts DIR [DIR ...] [--json FILE]
// --json FILE merges the rows into FILE (a row with the same name, the DIR's last path part, is replaced).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { initBackend, tf } from '@scalespace/core';
import * as metrics from '@scalespace/metrics';
import { loadSingleImageModel } from '../src/load-model.js';
import { patchMatch } from '../src/patch-match.js';

const SAMPLES = 16;
const SEED = 1000;

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) throw new Error('--json needs a file');
const dirs = args.filter((_, i) => jsonAt < 0 || (i !== jsonAt && i !== jsonAt + 1));
if (dirs.length === 0) {
  console.error('usage: npx tsx scripts/evaluate.mts DIR [DIR ...] [--json FILE]');
  process.exit(2);
}

await initBackend('wasm');
const perceptual = await metrics.perceptualDistance();

interface Row {
  name: string;
  dir: string;
  method: string;
  image: string | null;
  size: readonly number[];
  trainingSeconds: number;
  sifid: number;
  sifidStd: number;
  apdPerceptual: number;
  apdMse: number;
  pixelStd: number;
  patchError: number;
  reconstructionPsnr: number;
  evaluatedAt: string;
}

const round = (v: number, d: number) => Number(v.toFixed(d));
const rows: Row[] = [];
for (const dir of dirs) {
  const started = Date.now();
  const model = await loadSingleImageModel(dir);
  const config = (model as unknown as { config: { trainingSeconds: number; training?: { image?: unknown } } }).config;
  const samples = model.sample({ n: SAMPLES, seed: SEED });
  const real = model.trainingImage();
  const pixelStd = tf.tidy(() => tf.mean(tf.sqrt(tf.moments(samples, 0).variance)).dataSync()[0]);
  const apdMse = await metrics.apd(samples);
  const apdPerceptual = await metrics.apd(samples, { distance: perceptual });
  // SinGAN's SIFID: each sample against the training image (early InceptionV3 features), then the mean.
  const list = tf.unstack(samples);
  const real3 = tf.squeeze(real, [0]);
  const perImage = await metrics.sifidPerImage(real3, list);
  tf.dispose([...list, real3]);
  const sifid = perImage.reduce((s, v) => s + v, 0) / perImage.length;
  const sifidStd = Math.sqrt(perImage.reduce((s, v) => s + (v - sifid) ** 2, 0) / perImage.length);
  // Patch realism without a pretrained network: how far each sample is from its rebuild out of the
  // training image's own 7 x 7 patches (MSE on [0, 1]; 0 = made of training patches).
  const patchError = tf.tidy(() => {
    const rebuilt = patchMatch(samples, real, { patchSize: 7, iterations: 1 });
    return tf.mean(tf.squaredDifference(rebuilt, samples)).dataSync()[0];
  });
  const rec = model.reconstruct();
  const recPsnr = tf.tidy(() => -10 * Math.log10(tf.mean(tf.squaredDifference(rec, real)).dataSync()[0]));
  const image = config.training?.image;
  rows.push({
    name: basename(resolve(dir)) === 'weights' ? basename(resolve(dir, '..')) : basename(resolve(dir)),
    dir: resolve(dir),
    method: model.method,
    image: typeof image === 'string' ? image : null,
    size: model.imageSize,
    trainingSeconds: round(config.trainingSeconds, 0),
    sifid: round(sifid, 4),
    sifidStd: round(sifidStd, 4),
    apdPerceptual: round(apdPerceptual, 5),
    apdMse: round(apdMse, 5),
    pixelStd: round(pixelStd, 4),
    patchError: round(patchError, 5),
    reconstructionPsnr: round(recPsnr, 2),
    evaluatedAt: new Date().toISOString(),
  });
  tf.dispose([samples, real, rec]);
  model.dispose();
  console.error(`${dir}: evaluated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
perceptual.dispose();
console.log(JSON.stringify(rows, null, 2));

if (jsonFile) {
  const previous = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as { rows?: Row[] }) : {};
  const merged = [...(previous.rows ?? []).filter((r) => !rows.some((n) => n.name === r.name)), ...rows];
  const out = {
    script: 'packages/singan/scripts/evaluate.mts',
    samples: SAMPLES,
    seed: SEED,
    sifid:
      'mean over the samples of sifidPerImage(training image, sample); nsfwjs InceptionV3 trunk after its first max-pool, not the FID Inception weights',
    apdPerceptual: `apd(samples, { distance: perceptualDistance() }), ${perceptual.name}`,
    apdMse: 'apd(samples), mean squared difference on [0, 1]',
    pixelStd: 'per-pixel standard deviation across the samples, averaged',
    patchError: 'MSE between a sample and its rebuild from the training image 7x7 patches',
    reconstructionPsnr: 'PSNR of reconstruct() against the training image',
    rows: merged,
  };
  writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
  console.error(`wrote ${jsonFile} (${merged.length} rows)`);
}

const f = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.method} | ${r.trainingSeconds} | ${f(r.sifid, 3)} | ${f(r.apdPerceptual, 3)} | ${f(r.apdMse, 4)} | ${f(r.pixelStd, 3)} | ${f(r.patchError, 4)} | ${f(r.reconstructionPsnr, 1)} |`,
  );
}

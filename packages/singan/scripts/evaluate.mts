// Measures trained single-image models for the README table: training seconds, diversity over 16
// samples (mean pairwise distance with @scalespace/metrics' apd, pixel std across samples), and
// SIFID when @scalespace/metrics provides it. Usage: npx tsx scripts/evaluate.mts DIR [DIR ...]
import { initBackend, tf } from '@scalespace/core';
import * as metrics from '@scalespace/metrics';
import { loadSingleImageModel } from '../src/load-model.js';
import { patchMatch } from '../src/patch-match.js';

await initBackend('wasm');
const sifid = (metrics as Record<string, unknown>).sifid as
  | ((real: tf.Tensor, fake: tf.Tensor) => number | Promise<number>)
  | undefined;
const perceptual = (metrics as Record<string, unknown>).perceptualDistance as metrics.ImageDistance | undefined;
const rows = [];
for (const dir of process.argv.slice(2)) {
  const model = await loadSingleImageModel(dir);
  const config = (model as unknown as { config: { trainingSeconds: number } }).config;
  const samples = model.sample({ n: 16, seed: 1000 });
  const real = model.trainingImage();
  const pixelStd = tf.tidy(() => tf.mean(tf.sqrt(tf.moments(samples, 0).variance)).dataSync()[0]);
  const apdMse = metrics.apd(samples);
  const apdPerceptual = perceptual ? metrics.apd(samples, { distance: perceptual }) : null;
  let sifidMean: number | null = null;
  if (sifid) {
    let total = 0;
    for (const s of tf.unstack(samples)) total += await sifid(real.squeeze([0]), s);
    sifidMean = total / 16;
  }
  // Patch realism without a pretrained network: how far each sample is from its rebuild out of the
  // training image's own 7 x 7 patches (MSE on [0, 1]; 0 = made of training patches).
  const patchError = tf.tidy(() => {
    const rebuilt = patchMatch(samples, real, { patchSize: 7, iterations: 1 });
    return tf.mean(tf.squaredDifference(rebuilt, samples)).dataSync()[0];
  });
  const rec = model.reconstruct();
  const recPsnr = tf.tidy(() => -10 * Math.log10(tf.mean(tf.squaredDifference(rec, real)).dataSync()[0]));
  rows.push({
    dir,
    method: model.method,
    size: model.imageSize,
    trainingSeconds: Number(config.trainingSeconds.toFixed(0)),
    sifid: sifidMean,
    apdPerceptual,
    apdMse: Number(apdMse.toFixed(5)),
    pixelStd: Number(pixelStd.toFixed(4)),
    patchError: Number(patchError.toFixed(5)),
    reconstructionPsnr: Number(recPsnr.toFixed(2)),
  });
  tf.dispose([samples, real, rec]);
  model.dispose();
}
console.log(JSON.stringify(rows, null, 2));
const f = (v: number | null, d: number) => (v === null ? 'n/a' : v.toFixed(d));
for (const r of rows) {
  console.log(
    `| ${r.dir.split('/').pop()} | ${r.method} | ${r.trainingSeconds} | ${f(r.sifid, 3)} | ${f(r.apdPerceptual, 3)} | ${r.apdMse.toFixed(4)} | ${r.pixelStd.toFixed(3)} | ${r.patchError.toFixed(4)} | ${r.reconstructionPsnr.toFixed(1)} |`,
  );
}

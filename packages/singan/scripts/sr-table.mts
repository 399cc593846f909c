// SinGAN super-resolution (x4) on held-out CC0 photos against bicubic, with the SinGAN paper's protocol:
// the high-resolution photo is downsampled 4x (antialiased bicubic, MATLAB imresize conventions; 8-bit), a SinGAN is
// trained on that low-resolution image alone with the original's SR recipe (`superResolutionOptions(4)`: scales
// 4^(1/6) apart, reconstruction weight 100, coarsest side 18), and `superResolve({ factor: 4 })` steps it up
// through the finest generator. Measured against the photo: PSNR and SSIM on luma (BT.601, as SR papers report),
// and @scalespace/metrics' trunk perceptual distance (nsfwjs's InceptionV3, not LPIPS's weights). Trains each
// photo's model into OUT/<photo> (resumed when there), then writes OUT/sr-x4.json and a figure. The inputs are
// written as OUT/<photo>-low.png; where scripts/parity/singan/official_sr.py left the official SinGAN's output on
// them (OUT/<photo>-official-x4.png), it is measured too.
// Usage: npx tsx scripts/sr-table.mts OUT [--iterations 200] [--photos astronaut,camera,chelsea,gravel] [--seeds 4]
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatProgress, holdsRun, imageGrid, initBackend, readImage, tf, writeImage } from '@scalespace/core';
import { type FixtureName, fixturePath } from '@scalespace/data';
import { perceptualDistance, psnr, rgbToY, ssim } from '@scalespace/metrics';
import { resize } from '@scalespace/pyramids';
import { superResolutionOptions } from '../src/singan-options.js';
import { trainSinGAN } from '../src/train-singan.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const out = resolve(args[0] ?? '');
if (!args[0] || args[0].startsWith('--')) {
  console.error('usage: npx tsx scripts/sr-table.mts OUT [--iterations 200] [--photos a,b] [--seeds 4]');
  process.exit(2);
}
const iterations = Number(option('iterations', '200'));
const photos = option('photos', 'astronaut,camera,chelsea,gravel').split(',');
const seeds = Number(option('seeds', '4'));
const FACTOR = 4;

await initBackend('wasm');
const perceptual = await perceptualDistance();
const round = (v: number, d: number) => Number(v.toFixed(d));
const bicubic = (x: tf.Tensor4D, h: number, w: number) =>
  resize(x, { height: h, width: w, method: 'bicubic' }) as tf.Tensor4D;

/** PSNR and SSIM on luma, and the perceptual distance, of an output against the photo. */
async function measure(output: tf.Tensor4D, photo: tf.Tensor4D) {
  const clipped = tf.tidy(() => tf.clipByValue(output, 0, 1) as tf.Tensor4D);
  const [a, b] = [rgbToY(clipped), rgbToY(photo)];
  const row = {
    psnr: await psnr(a, b, { dataRange: 1 }),
    ssim: await ssim(clipped, photo, { dataRange: 1, channel: 'y' }),
    perceptual: await perceptual(clipped, photo),
  };
  tf.dispose([clipped, a, b]);
  return row;
}

const rows = [];
const figure: tf.Tensor4D[] = [];
for (const name of photos) {
  const photo = (await readImage(fixturePath(name as FixtureName), { channels: 3 })).expandDims(0) as tf.Tensor4D;
  const [, H, W] = photo.shape;
  // The low-resolution image as a file holds it: clipped to [0, 1] and 8-bit.
  const low = tf.tidy(
    () =>
      tf.div(tf.round(tf.mul(tf.clipByValue(bicubic(photo, H / FACTOR, W / FACTOR), 0, 1), 255)), 255) as tf.Tensor4D,
  );
  // The input as a file, for the official code too (scripts/parity/singan/official_sr.py).
  await writeImage(join(out, `${name}-low.png`), low.squeeze([0]) as tf.Tensor3D);
  const dir = join(out, name);
  const started = Date.now();
  let last = '';
  const model = await trainSinGAN({
    image: low.squeeze([0]) as tf.Tensor3D,
    ...superResolutionOptions(FACTOR),
    maxSize: Math.max(H, W) / FACTOR,
    iterations,
    seed: 0,
    out: dir,
    resume: existsSync(dir) && (await holdsRun(dir)),
    checkpointEvery: 50,
    onProgress: (e) => {
      const decile = `${e.phase}:${Math.floor((4 * e.step) / e.total)}`;
      if (decile !== last) console.log(new Date().toISOString(), name, formatProgress(e));
      last = decile;
    },
  });
  const singan: Record<string, number>[] = [];
  let first: tf.Tensor4D | null = null;
  for (let seed = 0; seed < seeds; seed++) {
    const up = model.superResolve({ factor: FACTOR, seed });
    singan.push(await measure(up, photo));
    if (seed === 0) first = up;
    else up.dispose();
  }
  const cubic = tf.tidy(() => tf.clipByValue(bicubic(low, H, W), 0, 1) as tf.Tensor4D);
  const base = await measure(cubic, photo);
  // Where SinGAN falls behind: luma PSNR after each step through the finest generator (factor ratio^k), against
  // the photo brought to that size, beside bicubic from the low-resolution image to the same size.
  const ratio = 1 / model.config.scaleFactor;
  const bySteps = [];
  for (let k = 1; ratio ** k < FACTOR * 1.01; k++) {
    const up = model.superResolve({ factor: ratio ** k, seed: 0 });
    const [, h, w] = up.shape;
    const ref = tf.tidy(() => tf.clipByValue(bicubic(photo, h, w), 0, 1) as tf.Tensor4D);
    const cub = tf.tidy(() => tf.clipByValue(bicubic(low, h, w), 0, 1) as tf.Tensor4D);
    const lumaPsnr = async (x: tf.Tensor4D) => {
      const [a, b] = [tf.tidy(() => rgbToY(tf.clipByValue(x, 0, 1))), rgbToY(ref)];
      const v = await psnr(a, b, { dataRange: 1 });
      tf.dispose([a, b]);
      return round(v, 2);
    };
    bySteps.push({ steps: k, size: `${w}x${h}`, singan: await lumaPsnr(up), bicubic: await lumaPsnr(cub) });
    tf.dispose([up, ref, cub]);
  }
  const mean = (k: string) => singan.reduce((s, r) => s + r[k], 0) / singan.length;
  // The official SinGAN's output on the same input, when official_sr.py wrote one.
  const officialFile = join(out, `${name}-official-x${FACTOR}.png`);
  let official: Record<string, number> | null = null;
  let officialImage: tf.Tensor4D | null = null;
  if (existsSync(officialFile)) {
    officialImage = (await readImage(officialFile, { channels: 3 })).expandDims(0) as tf.Tensor4D;
    const m = await measure(officialImage, photo);
    official = { psnr: round(m.psnr, 2), ssim: round(m.ssim, 4), perceptual: round(m.perceptual, 4) };
  }
  rows.push({
    photo: name,
    size: `${W}x${H}`,
    lowRes: `${W / FACTOR}x${H / FACTOR}`,
    scales: model.scales,
    trainingSeconds: round(model.config.trainingSeconds, 0),
    bicubic: { psnr: round(base.psnr, 2), ssim: round(base.ssim, 4), perceptual: round(base.perceptual, 4) },
    singan: { psnr: round(mean('psnr'), 2), ssim: round(mean('ssim'), 4), perceptual: round(mean('perceptual'), 4) },
    ...(official && { official }),
    bySteps,
    singanSeeds: singan.map((r) => ({
      psnr: round(r.psnr, 2),
      ssim: round(r.ssim, 4),
      perceptual: round(r.perceptual, 4),
    })),
    minutes: round((Date.now() - started) / 60000, 1),
  });
  console.log(JSON.stringify(rows.at(-1)));
  // The figure's row: the low-resolution input (nearest, to its size), bicubic, SinGAN, the official SinGAN (when
  // there), the photo.
  const nearest = tf.tidy(() => tf.image.resizeNearestNeighbor(low, [H, W]) as tf.Tensor4D);
  const ours = tf.clipByValue(first as tf.Tensor4D, 0, 1) as tf.Tensor4D;
  const row = tf.concat([nearest, cubic, ours, ...(officialImage ? [officialImage] : []), photo], 2) as tf.Tensor4D;
  figure.push(tf.image.resizeBilinear(row, [128, Math.round((128 * row.shape[2]) / H)]) as tf.Tensor4D);
  tf.dispose([photo, low, cubic, nearest, ours, row, first as tf.Tensor4D, ...(officialImage ? [officialImage] : [])]);
  model.dispose();
}
const meanOf = (method: 'bicubic' | 'singan', k: 'psnr' | 'ssim' | 'perceptual') =>
  rows.reduce((s, r) => s + r[method][k], 0) / rows.length;
const summary = Object.fromEntries(
  (['bicubic', 'singan'] as const).map((m) => [
    m,
    {
      psnr: round(meanOf(m, 'psnr'), 2),
      ssim: round(meanOf(m, 'ssim'), 4),
      perceptual: round(meanOf(m, 'perceptual'), 4),
    },
  ]),
);
const result = {
  factor: FACTOR,
  iterations,
  seeds,
  rows,
  mean: summary,
  command: `npx tsx scripts/sr-table.mts ${args.join(' ')}`,
};
writeFileSync(join(out, 'sr-x4.json'), `${JSON.stringify(result, null, 2)}\n`);
const widest = Math.max(...figure.map((f) => f.shape[2]));
const padded = figure.map(
  (f) =>
    tf.pad(
      f,
      [
        [0, 0],
        [0, 0],
        [0, widest - f.shape[2]],
        [0, 0],
      ],
      1,
    ) as tf.Tensor4D,
);
await writeImage(join(out, 'sr-x4.jpg'), imageGrid(tf.concat(padded, 0) as tf.Tensor4D, { columns: 1 }));
console.log(JSON.stringify(summary));

// One row per trained model: its training image, then n samples (seed 1000, the samples evaluate.mts
// measures). Models of slightly different sizes are padded with white to the largest.
// Usage: npx tsx scripts/side-by-side.mts OUT.jpg DIR [DIR ...] [--n 8]
import { imageGrid, initBackend, tf, writeImage } from '@scalespace/core';
import { loadSingleImageModel } from '../src/load-model.js';

const args = process.argv.slice(2);
const nAt = args.indexOf('--n');
const n = nAt >= 0 ? Number(args[nAt + 1]) : 8;
const [out, ...dirs] = args.filter((_, i) => nAt < 0 || (i !== nAt && i !== nAt + 1));
if (!out || dirs.length === 0 || !Number.isInteger(n) || n < 1) {
  console.error('usage: npx tsx scripts/side-by-side.mts OUT.jpg DIR [DIR ...] [--n 8]');
  process.exit(2);
}

await initBackend('wasm');
const rows: tf.Tensor4D[] = [];
for (const dir of dirs) {
  const model = await loadSingleImageModel(dir);
  const samples = model.sample({ n, seed: 1000 });
  const real = model.trainingImage();
  rows.push(tf.concat([real, samples]));
  tf.dispose([samples, real]);
  model.dispose();
}
const height = Math.max(...rows.map((r) => r.shape[1]));
const width = Math.max(...rows.map((r) => r.shape[2]));
const grid = tf.tidy(() => {
  const padded = rows.map((r) =>
    tf.pad(
      r,
      [
        [0, 0],
        [0, height - r.shape[1]],
        [0, width - r.shape[2]],
        [0, 0],
      ],
      1,
    ),
  );
  return imageGrid(tf.concat(padded) as tf.Tensor4D, { columns: n + 1 });
});
await writeImage(out, grid, { quality: 90 });
tf.dispose([grid, ...rows]);
console.log('wrote', out);

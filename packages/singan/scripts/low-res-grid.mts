// The PetsGAN approach's low-resolution stage, enlarged: top row the low-res training image and G's
// samples, bottom row the same after patch matching (what the restoration network is given).
// Usage: npx tsx scripts/low-res-grid.mts DIR OUT.png [n]
import { imageGrid, initBackend, tf, writeImage } from '@scalespace/core';
import { loadSingleImageModel } from '../src/load-model.js';
import { toSigned, toUnit } from '../src/ops.js';
import { patchMatch } from '../src/patch-match.js';
import type { PetsGAN } from '../src/petsgan.js';

const [dir, out, n = '6'] = process.argv.slice(2);
await initBackend('wasm');
const model = await loadSingleImageModel(dir);
if (model.method !== 'petsgan') throw new Error(`${dir} holds a ${model.method} model; this grid needs a PetsGAN one`);
const pets = model as PetsGAN;
const low = pets.sampleLowRes({ n: Number(n), seed: 1 });
const grid = tf.tidy(() => {
  const matched = toUnit(patchMatch(toSigned(low) as tf.Tensor4D, pets.reference(), pets.config.patchMatch));
  const rows = tf.concat([pets.net.lowRes, low, pets.net.lowRes, matched]) as tf.Tensor4D;
  return imageGrid(tf.image.resizeNearestNeighbor(rows, pets.config.hrSize), { columns: Number(n) + 1 });
});
await writeImage(out, grid);
console.log('wrote', out);

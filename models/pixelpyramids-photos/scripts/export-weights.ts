// Turns the PixelPyramids run of `pnpm bench autoregressive-photos` into this package's weights: takes the EMA
// weights, measures the exact bits/dim on the bench's 2,000 held-out test patches (chelsea and gravel from
// Debian's python3-skimage, the bench's seed) and saves both, with the run's facts, to weights/.
// Usage: npx tsx scripts/export-weights.ts RUN_DIR/pixelpyramids [key=value ...]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, saveModel } from '@scalespace/autoregressive';
import { bitsPerDim, initBackend, tf } from '@scalespace/core';
import { PatchSampler, readImageFiles } from '@scalespace/data';

const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
const [run, ...facts] = process.argv.slice(2);
if (!run) throw new Error('usage: export-weights.ts RUN_DIR [key=value ...]');
await initBackend();
const model = await loadModel(run, { weights: 'ema' });
const images = await readImageFiles(
  ['chelsea.png', 'gravel.png'].map((f) => join(SKIMAGE, f)),
  { channels: 1 },
);
const patches = tf.tidy(() =>
  tf.cast(tf.round(tf.mul(new PatchSampler(images, { size: 32, batchSize: 2000, seed: 1 }).batch(0), 255)), 'int32'),
);
let nats = 0;
for (let i = 0; i < 2000; i += 100) {
  nats += tf.tidy(() => -tf.sum(model.logProb(tf.slice(patches, [i], [100]))).dataSync()[0]);
}
const testBitsPerDim = bitsPerDim(nats, 2000 * 32 * 32);
patches.dispose();
// key=value, where the value may hold '=' itself.
const extra = Object.fromEntries(facts.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
const out = fileURLToPath(new URL('../weights', import.meta.url));
await saveModel(out, model, { ...model.training, ...extra, testBitsPerDim, testPatches: 2000 });
console.log(JSON.stringify({ out, testBitsPerDim, training: model.training }));
model.module.dispose();

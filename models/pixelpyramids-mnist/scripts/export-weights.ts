// Turns a training run of `scalespace train pixelpyramids` into this package's weights: takes the EMA
// weights, measures the exact test bits/dim on all 10,000 MNIST test digits and saves both (plus the
// run's facts) to weights/. Usage: npx tsx scripts/export-weights.ts RUN_DIR [key=value ...]
import { fileURLToPath } from 'node:url';
import { loadModel, saveModel } from '@scalespace/autoregressive';
import { initBackend, tf } from '@scalespace/core';
import { BatchSampler, loadMnist } from '@scalespace/data';

const [run, ...facts] = process.argv.slice(2);
if (!run) throw new Error('usage: export-weights.ts RUN_DIR [key=value ...]');
await initBackend();
const model = await loadModel(run, { weights: 'ema' });
const test = await loadMnist('test');
const sampler = new BatchSampler(test, { batchSize: 100, shuffle: false, augment: { pad: 2 }, format: { bits: 8 } });
let nats = 0;
for (let i = 0; i < sampler.batchesPerEpoch; i++) {
  const { images, labels } = sampler.batch(i);
  nats += tf.tidy(() => -tf.sum(model.logProb(images)).dataSync()[0]);
  tf.dispose([images, labels as tf.Tensor]);
}
const testBitsPerDim = nats / (test.size * 32 * 32 * Math.LN2);
// key=value, where the value may hold '=' itself (a recipe with environment variables).
const extra = Object.fromEntries(facts.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
const out = fileURLToPath(new URL('../weights', import.meta.url));
await saveModel(out, model, { ...model.training, ...extra, testBitsPerDim, testImages: test.size });
console.log(JSON.stringify({ out, testBitsPerDim, training: model.training }));
model.module.dispose();

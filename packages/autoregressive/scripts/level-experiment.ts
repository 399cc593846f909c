// Trains one ConditionalLevel (the finest level of a 32x32 MNIST PixelPyramids) alone for a time budget
// per variant and prints its share of the test bits/dim on 300 test digits (the README's "Choices" table).
// Usage: npx tsx scripts/level-experiment.ts SECONDS '[{"k":1,"filters":32,"blocks":2,"rotate":true}, ...]'
import { Adam, initBackend, rng, tf } from '@scalespace/core';
import { BatchSampler, loadMnist } from '@scalespace/data';
import { disposePaired, pairedPyramid } from '@scalespace/pyramids';
import { ConditionalLevel, type ConditionalLevelConfig } from '../src/index.js';

const seconds = Number(process.argv[2] ?? 240);
const variants = JSON.parse(process.argv[3] ?? '[{"k":1,"filters":32,"blocks":2}]') as Array<
  Omit<ConditionalLevelConfig, 'channels' | 'bits' | 'components'>
>;
await initBackend(undefined, { log: false });
const train = await loadMnist('train');
const test = (await loadMnist('test')).take(300);
const format = { bits: 8 };
/** Coarse image and fine component of the finest paired-pyramid level. */
function pair(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const p = pairedPyramid(x, { bits: 8, levels: 1 });
  return [p.coarse, p.levels[0].fine];
}
for (const v of variants) {
  const level = new ConditionalLevel({ channels: 1, bits: 8, components: 5, ...v }, rng(0).fork('l'));
  const vars = level.trainableParameters();
  const adam = new Adam(vars, { lr: 1e-3, beta1: 0.95, beta2: 0.9995 });
  const sampler = new BatchSampler(train, { batchSize: 16, seed: 0, augment: { pad: 2 }, format });
  level.train();
  const started = performance.now();
  let step = 0;
  while (performance.now() - started < seconds * 1000) {
    const { images, labels } = sampler.batch(step);
    const [coarse, fine] = pair(images);
    const { value, grads } = tf.variableGrads(
      () => tf.div(tf.neg(tf.mean(level.logProb(coarse, fine))), 1024 * Math.LN2) as tf.Scalar,
      vars,
    );
    adam.step(vars.map((w) => grads[w.name]));
    tf.dispose([images, labels as tf.Tensor, coarse, fine, value, ...Object.values(grads)]);
    step++;
  }
  level.eval();
  const evaluation = new BatchSampler(test, { batchSize: 100, shuffle: false, augment: { pad: 2 }, format });
  let nats = 0;
  for (let i = 0; i < evaluation.batchesPerEpoch; i++) {
    const { images, labels } = evaluation.batch(i);
    const p = pairedPyramid(images, { bits: 8, levels: 1 });
    nats += tf.tidy(() => -tf.sum(level.logProb(p.coarse, p.levels[0].fine)).dataSync()[0]);
    disposePaired(p);
    tf.dispose([images, labels as tf.Tensor]);
  }
  console.log(JSON.stringify({ ...v, steps: step, finestLevelBitsPerDim: nats / (test.size * 1024 * Math.LN2) }));
  adam.dispose();
  level.dispose();
}

// The TypeScript half of scripts/parity/vdvae/full_size.py: converts its full-size official checkpoint, runs the
// ELBO with the official posterior noise and compares, then draws one sample. Not a test (minutes, 150-460 MB files).
// Usage (from packages/hvae): npx tsx scripts/check-official-full-size.ts OUT_DIR PRESET
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, initBackend, readTorchCheckpoint, tf } from '@scalespace/core';
import { vdvaeFromTorch } from '../src/convert-official.js';

const [dir, preset] = process.argv.slice(2);
await initBackend('wasm');
const { tensors: ref, metadata } = decodeSafetensors(readFileSync(join(dir, `${preset}-parity.safetensors`)));
const dataset = metadata.dataset;
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
let t0 = performance.now();
const model = vdvaeFromTorch(await readTorchCheckpoint(join(dir, `${preset}-model-ema.th`)), preset);
console.log(`${preset}: read and converted in ${seconds(t0)} s, ${model.numParameters()} parameters`);
const tensor = (name: string) => tf.tensor(Array.from(ref[name].values), ref[name].shape, 'float32');
t0 = performance.now();
const x = tf.div(tensor('input'), 255) as tf.Tensor4D;
const noise = Array.from({ length: model.groups }, (_, i) => tf.transpose(tensor(`${dataset}.eps.${i}`), [0, 2, 3, 1]));
const terms = model.elboTerms(x, { noise });
const kl = terms.kl.dataSync();
const officialKl = ref[`${dataset}.kl`].values;
let worst = 0;
for (let g = 0; g < model.groups; g++) {
  const want = officialKl[g] / model.dims;
  worst = Math.max(worst, Math.abs(kl[g] - want) / want);
}
const elbo = terms.loss.dataSync()[0] / Math.LN2;
const official = ref[`${dataset}.elbo`].values[0] / Math.LN2;
console.log(
  `ELBO ${elbo.toFixed(5)} bits/dim, official ${official.toFixed(5)} (|error| ${Math.abs(elbo - official).toExponential(2)}); ` +
    `KL per group max relative error ${worst.toExponential(2)}; ${seconds(t0)} s`,
);
tf.dispose([x, ...noise, terms.loss, terms.distortion, terms.kl]);
t0 = performance.now();
const sample = model.sample({ n: 1, temperature: 0.8, seed: 1 });
console.log(`one ${sample.shape.slice(1).join('x')} sample at temperature 0.8 in ${seconds(t0)} s`);

// Writes a grid of samples of a trained model. Usage: npx tsx scripts/grid.mts DIR OUT.png [n] [WxH]
import { imageGrid, initBackend, tf, writeImage } from '@scalespace/core';
import { loadSingleImageModel } from '../src/load-model.js';

const [dir, out, n = '8', size] = process.argv.slice(2);
await initBackend('wasm');
const model = await loadSingleImageModel(dir);
const samples = model.sample({ n: Number(n), seed: 1, ...(size && { size }) });
const real = tf.tidy(() => (size ? model.trainingImage() : model.trainingImage()));
const rec = model.reconstruct();
const all = tf.tidy(() => (size ? samples : tf.concat([real, rec, samples])));
const grid = imageGrid(all as tf.Tensor4D, { columns: size ? 4 : 5 });
await writeImage(out, grid);
console.log('wrote', out);

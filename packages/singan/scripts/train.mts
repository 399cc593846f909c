// Trains one model with the package defaults and prints progress; resumes when OUT has a run.
// Usage: npx tsx scripts/train.mts IMAGE singan|petsgan OUT [seed]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatProgress, initBackend } from '@scalespace/core';
import { trainPetsGAN } from '../src/train-petsgan.js';
import { trainSinGAN } from '../src/train-singan.js';

const [image, method, out, seed = '0'] = process.argv.slice(2);
await initBackend('wasm');
const resume = existsSync(join(out, 'training-state.safetensors'));
let last = '';
const onProgress = (e: Parameters<typeof formatProgress>[0]) => {
  const line = formatProgress(e);
  const decile = `${e.phase}:${Math.floor((10 * e.step) / e.total)}`;
  if (decile !== last) console.log(new Date().toISOString(), line);
  last = decile;
};
const common = { image, out, resume, seed: Number(seed), onProgress, checkpointEvery: 50 };
const model = method === 'petsgan' ? await trainPetsGAN(common) : await trainSinGAN(common);
console.log(JSON.stringify({ image, method, out, trainingSeconds: model.config.trainingSeconds }));
model.dispose();

// Trains one model and prints progress; resumes when OUT has a run. OPTIONS is a JSON object of
// trainer options over the package defaults, e.g. '{"warpScale":0.2,"copies":10}'.
// Usage: npx tsx scripts/train.mts IMAGE singan|petsgan OUT [seed] [OPTIONS]
import { formatProgress, holdsRun, initBackend } from '@scalespace/core';
import { trainPetsGAN } from '../src/train-petsgan.js';
import { trainSinGAN } from '../src/train-singan.js';

const [image, method, out, seed = '0', options = '{}'] = process.argv.slice(2);
await initBackend('wasm');
const resume = await holdsRun(out);
let last = '';
const onProgress = (e: Parameters<typeof formatProgress>[0]) => {
  const line = formatProgress(e);
  const decile = `${e.phase}:${Math.floor((10 * e.step) / e.total)}`;
  if (decile !== last) console.log(new Date().toISOString(), line);
  last = decile;
};
const common = { ...JSON.parse(options), image, out, resume, seed: Number(seed), onProgress, checkpointEvery: 50 };
const model = method === 'petsgan' ? await trainPetsGAN(common) : await trainSinGAN(common);
console.log(JSON.stringify({ image, method, out, trainingSeconds: model.config.trainingSeconds }));
model.dispose();

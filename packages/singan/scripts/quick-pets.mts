import { formatProgress, initBackend } from '@scalespace/core';
import { trainPetsGAN } from '../src/train-petsgan.js';

await initBackend('wasm');
const [image, out, g = '300', ir = '300', j = '80'] = process.argv.slice(2);
let last = '';
const m = await trainPetsGAN({
  image,
  out,
  ganIterations: Number(g),
  restorationIterations: Number(ir),
  jointIterations: Number(j),
  onProgress: (e) => {
    const d = `${e.phase}:${Math.floor((5 * e.step) / e.total)}`;
    if (d !== last) console.log(formatProgress(e));
    last = d;
  },
});
console.log('seconds', m.config.trainingSeconds);
m.dispose();

// Recipe of models/vdvae-mnist: trains the MNIST 32x32 VD-VAE prior on one wasm thread, then evaluates
// the test ELBO. Usage: tsx scripts/train-vdvae-mnist.ts OUT_DIR STEPS [--resume]
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@scalespace/core';
import { loadMnist32 } from '../src/mnist32.js';
import { evaluateElbo, trainVDVAE } from '../src/train-vdvae.js';
import { VDVAE } from '../src/vdvae.js';
import { loadVDVAE } from '../src/vdvae-io.js';

await initBackend('wasm');
const [dir, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const resume = process.argv.includes('--resume');
const model = new VDVAE(
  {
    imageSize: 32,
    imageChannels: 1,
    width: 16,
    customWidths: '16:32,8:32,4:32,1:32',
    bottleneckMultiple: 0.5,
    zdim: 8,
    numMixtures: 5,
    bits: 8,
    activation: 'gelu-sigmoid',
    encBlocks: '32d2,16x2,16d2,8x2,8d2,4x2,4d4,1x1',
    decBlocks: '1x1,4m1,4x2,8m4,8x3,16m8,16x2,32m16',
  },
  { seed: 1 },
);
const train = await loadMnist32('train');
const started = Date.now();
const result = await trainVDVAE({
  model,
  data: train,
  out: dir,
  steps,
  batchSize: 32,
  seed: 1,
  resume,
  optimizer: { lr: 1e-3, warmupSteps: 100, gradClip: 100, skipThreshold: 300, emaDecay: 0.995 },
  checkpointEvery: 100,
  logEvery: 25,
  meta: { dataset: 'mnist (28x28 padded to 32x32, 8-bit)', recipe: 'packages/hvae/scripts/train-vdvae-mnist.ts' },
  onLog: (e) =>
    console.log(
      `step ${e.step} bpd ${(e.bpd as number).toFixed(3)} rec ${(e.reconstructionBpd as number).toFixed(3)} norm ${e.gradNorm.toFixed(1)} skipped ${e.skippedTotal} ${e.seconds.toFixed(0)}s`,
    ),
});
console.log(JSON.stringify(result));
const ema = await loadVDVAE(dir);
const test = await loadMnist32('test');
const evalStart = Date.now();
const report = await evaluateElbo(ema, test, { batchSize: 100 });
await writeFile(
  join(dir, 'eval.json'),
  `${JSON.stringify({ ...report, trainSeconds: (Date.now() - started) / 1000, evalSeconds: (Date.now() - evalStart) / 1000, skipped: result.skipped }, null, 2)}\n`,
);
console.log('test', JSON.stringify(report));

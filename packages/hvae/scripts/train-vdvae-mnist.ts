// Recipe of models/vdvae-mnist: trains the MNIST 32x32 VD-VAE prior on one wasm thread, then evaluates
// the test ELBO. Usage: tsx scripts/train-vdvae-mnist.ts OUT_DIR STEPS [--resume]
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@scalespace/core';
import { MNIST_VDVAE_CONFIG } from '../src/mnist-config.js';
import { loadMnist32 } from '../src/mnist32.js';
import { evaluateElbo, trainVDVAE } from '../src/train-vdvae.js';
import { VDVAE } from '../src/vdvae.js';
import { loadVDVAE } from '../src/vdvae-io.js';

await initBackend('wasm');
const [dir, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const resume = process.argv.includes('--resume');
const model = new VDVAE(MNIST_VDVAE_CONFIG, { seed: 1 });
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

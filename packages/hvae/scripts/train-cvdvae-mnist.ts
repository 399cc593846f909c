// Recipe of models/cvdvae-mnist-x4 and models/cvdvae-mnist-x8: low-frequency analysis of the prior (chooses k
// for the factor), CVDVAE training (8x8 or 4x4 -> 32x32), then the README table on the MNIST test set and the figures.
// Usage: tsx scripts/train-cvdvae-mnist.ts PRIOR_DIR OUT_DIR STEPS [--scale 4|8] [--upsample U] [--enc-blocks B]
//          [--backend wasm|native] [--max-minutes M] [--resume] [--eval-count N]
// --max-minutes stops the training at that wall-clock budget (checkpointing the last finished step) and goes on to
// the evaluation with what it has; so does Ctrl-C / SIGTERM.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BackendName,
  InterruptedError,
  imageGrid,
  initBackend,
  loadTrainingState,
  tf,
  writeImage,
} from '@scalespace/core';
import { resize } from '@scalespace/pyramids';
import { CVDVAE } from '../src/cvdvae.js';
import { loadCVDVAE } from '../src/cvdvae-io.js';
import { chooseGroups, lowFrequencyAnalysis } from '../src/low-frequency.js';
import { lowResolution } from '../src/low-res.js';
import { loadMnist32 } from '../src/mnist32.js';
import { evaluateBicubic, evaluateSuperResolution } from '../src/sr-evaluation.js';
import { trainCVDVAE } from '../src/train-cvdvae.js';
import type { TrainingRunResult } from '../src/training.js';
import { loadVDVAE } from '../src/vdvae-io.js';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const backendName = flag('backend', 'wasm');
if (backendName !== 'wasm' && backendName !== 'native') {
  throw new Error(`--backend must be wasm or native, got ${backendName}`);
}
const backend = await initBackend(backendName as BackendName);
const [priorDir, dir, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const resume = process.argv.includes('--resume');
const evalCount = Number(flag('eval-count', '1000'));
const scale = Number(flag('scale', '4'));
const upsample = Number(flag('upsample', '1'));
const encBlocks = flag('enc-blocks', '8x2,8d2,4x2,4d4,1x1');
const maxMinutes = Number(flag('max-minutes', 'Infinity'));
// The analysis, table and figures go in OUT_DIR; the training run (core's run-directory contract) in OUT_DIR/run.
const runDir = join(dir, 'run');
await mkdir(dir, { recursive: true });
const t0 = Date.now();
console.log(`backend ${backend}, x${scale}, upsample ${upsample}, encoder ${encBlocks}`);

const prior = await loadVDVAE(priorDir);
// Prior samples for the README.
const samples = prior.sample({ n: 36, temperature: 1, seed: 1 });
const grid = imageGrid(samples, { columns: 12 });
await writeImage(join(dir, 'prior-samples.png'), grid);
tf.dispose([samples, grid]);
const cool = prior.sample({ n: 36, temperature: 0.6, seed: 1 });
const coolGrid = imageGrid(cool, { columns: 12 });
await writeImage(join(dir, 'prior-samples-t0.6.png'), coolGrid);
tf.dispose([cool, coolGrid]);

// Appendix A: which groups fix the low frequencies.
const analysis = await lowFrequencyAnalysis(prior, {
  codes: 50,
  samples: 5,
  factors: [...new Set([1, 4, 8, scale])],
  seed: 1,
});
const lowSize = prior.config.imageSize / scale;
// The encoder can give groups up to the resolution of its input.
const maxK = prior.decoder.dec_blocks.findIndex((b) => b.base > lowSize * upsample);
const k = chooseGroups(analysis, { factor: scale, maxK: maxK < 0 ? prior.groups : maxK, tolerance: 0.1 });
await writeFile(
  join(dir, 'lowfreq.json'),
  `${JSON.stringify({ ...analysis, chosenK: k, seconds: (Date.now() - t0) / 1000 }, null, 2)}\n`,
);
console.log('low-frequency analysis', JSON.stringify(analysis.u), 'k =', k);

const model = new CVDVAE(prior, { scale, groups: k, encBlocks, upsample }, { seed: 2 });
const train = await loadMnist32('train');
const stop = new AbortController();
const interrupt = (why: string) => stop.abort(new InterruptedError(why));
const budget = Number.isFinite(maxMinutes)
  ? setTimeout(() => interrupt(`time budget of ${maxMinutes} min`), maxMinutes * 60_000)
  : undefined;
process.once('SIGINT', () => interrupt('SIGINT'));
process.once('SIGTERM', () => interrupt('SIGTERM'));
const trainStart = Date.now();
let result: TrainingRunResult | undefined;
try {
  result = await trainCVDVAE({
    model,
    data: train,
    out: runDir,
    steps,
    batchSize: 32,
    seed: 2,
    resume,
    signal: stop.signal,
    optimizer: { lr: 1e-3, warmupSteps: 100, gradClip: 100, skipThreshold: 300, emaDecay: 0.995 },
    checkpointEvery: 100,
    logEvery: 25,
    meta: {
      dataset: `mnist 32x32, y = bicubic x${scale} (antialiased), clipped`,
      recipe: 'packages/hvae/scripts/train-cvdvae-mnist.ts',
      prior: priorDir,
    },
    onLog: (e) =>
      console.log(
        `step ${e.step} kl-sum ${(e.loss / Math.LN2).toFixed(4)} bits/dim norm ${e.gradNorm.toFixed(2)} skipped ${e.skippedTotal} ${e.seconds.toFixed(0)}s`,
      ),
  });
} catch (error) {
  // Stopped by the budget or a signal: the last finished step is checkpointed; evaluate that.
  if (!(error instanceof InterruptedError)) throw error;
  console.log(error.message);
} finally {
  clearTimeout(budget);
}
const trainSeconds = (Date.now() - trainStart) / 1000;
console.log(JSON.stringify(result ?? { stopped: true }));
model.dispose();

// Table 1 on the MNIST test set (EMA weights of the last checkpoint).
const saved = await loadTrainingState(runDir);
if (saved) tf.dispose(Object.values(saved.tensors));
const trainedSteps = saved?.step;
const sr = await loadCVDVAE(runDir);
const test = await loadMnist32('test');
const rows = [];
for (const output of ['sample', 'mode'] as const) {
  for (const temperature of [0.1, 0.8]) {
    rows.push(await evaluateSuperResolution(sr, test, { count: evalCount, samples: 5, temperature, seed: 3, output }));
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
}
rows.push(await evaluateBicubic(test, scale, { count: evalCount }));
console.log(JSON.stringify(rows[rows.length - 1]));
await writeFile(
  join(dir, 'table.json'),
  `${JSON.stringify({ rows, backend, trainSeconds, steps: trainedSteps ?? steps, skipped: result?.skipped, k }, null, 2)}\n`,
);

// Figure: per test image, LR (nearest), bicubic, 5 samples at t = 0.8, ground truth.
const idx = [0, 1, 2, 3, 4, 5, 6, 7];
const x = test.images(idx);
const y = lowResolution(x, scale);
const rowsOut = tf.tidy(() => {
  const near = tf.image.resizeNearestNeighbor(y, [32, 32]);
  const bic = tf.clipByValue(resize(y, { scale, method: 'bicubic' }), 0, 1) as tf.Tensor4D;
  const s = sr.superResolve(y, { samples: 5, temperature: 0.8, seed: 4 }) as tf.Tensor5D;
  const list: tf.Tensor3D[] = [];
  for (let i = 0; i < idx.length; i++) {
    list.push(near.slice(i, 1).squeeze([0]) as tf.Tensor3D, bic.slice(i, 1).squeeze([0]) as tf.Tensor3D);
    for (let j = 0; j < 5; j++) list.push(s.slice([i, j], [1, 1]).reshape([32, 32, 1]) as tf.Tensor3D);
    list.push(x.slice(i, 1).squeeze([0]) as tf.Tensor3D);
  }
  return imageGrid(list, { columns: 8 });
});
await writeImage(join(dir, 'sr-examples.png'), rowsOut);
tf.dispose([x, y, rowsOut]);
console.log('done in', (Date.now() - t0) / 1000, 's');

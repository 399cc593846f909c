// `pnpm bench hvae`: VD-VAE / CVDVAE speed on this machine, as ratios against baselines run here:
// (1) a training step with the exact GELU (the official network) vs the sigmoid GELU of the shipped
// MNIST models; (2) CVDVAE super-resolution with all samples of a batch in one decoder pass vs one pass
// per sample, with bicubic upsampling for scale.
import { initBackend, rng, tf } from '@scalespace/core';
import { CVDVAE, MNIST_VDVAE_CONFIG, VDVAE } from '@scalespace/hvae';
import { resize } from '@scalespace/pyramids';
import { median, printTable, timeRuns, writeResults } from './harness.js';

function trainStepTimer(model: VDVAE, batch: number) {
  const x = rng(1).uniformTensor([batch, 32, 32, 1]) as tf.Tensor4D;
  const vars = model.trainableParameters();
  return {
    step: () => {
      const { value, grads } = tf.variableGrads(() => model.elboTerms(x, { rng: rng(2) }).loss, vars);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => x.dispose(),
  };
}

export async function run(): Promise<void> {
  await initBackend(undefined, { log: true });
  const batch = 16;
  const rows: Array<Array<string | number>> = [];
  const results: Record<string, unknown> = {};

  const exact = new VDVAE({ ...MNIST_VDVAE_CONFIG, activation: 'gelu' }, { seed: 1 });
  const fast = new VDVAE(MNIST_VDVAE_CONFIG, { seed: 1 });
  const a = trainStepTimer(exact, batch);
  const b = trainStepTimer(fast, batch);
  const tExact = median(await timeRuns(a.step, 5));
  const tFast = median(await timeRuns(b.step, 5));
  rows.push([`train step, exact GELU (batch ${batch})`, tExact, 1]);
  rows.push([`train step, sigmoid GELU (batch ${batch})`, tFast, tExact / tFast]);
  results.trainStep = { batch, exactMs: tExact, sigmoidMs: tFast, speedup: tExact / tFast };
  a.dispose();
  b.dispose();
  exact.dispose();

  const model = new CVDVAE(fast, { scale: 4, groups: 8, encBlocks: '8x2,8d2,4x2,4d4,1x1' }, { seed: 2 });
  const inputs = 8;
  const samples = 5;
  const y = rng(3).uniformTensor([inputs, 8, 8, 1]) as tf.Tensor4D;
  const batched = median(
    await timeRuns(() => {
      const s = model.superResolve(y, { samples, temperature: 0.8, seed: 1 });
      s.dataSync();
      s.dispose();
    }, 5),
  );
  const perSample = median(
    await timeRuns(() => {
      for (let i = 0; i < inputs; i++) {
        const yi = tf.slice(y, [i], [1]);
        for (let j = 0; j < samples; j++) {
          const s = model.superResolve(yi, { samples: 1, temperature: 0.8, seed: j });
          s.dataSync();
          s.dispose();
        }
        yi.dispose();
      }
    }, 3),
  );
  const bicubic = median(
    await timeRuns(() => {
      const s = tf.tidy(() => resize(y, { scale: 4, method: 'bicubic' }));
      s.dataSync();
      s.dispose();
    }, 10),
  );
  const n = inputs * samples;
  rows.push([`CVDVAE x4, one pass per sample (ms/sample)`, perSample / n, 1]);
  rows.push([`CVDVAE x4, ${n} samples in one batched pass (ms/sample)`, batched / n, perSample / batched]);
  rows.push([`bicubic x4 (ms/image, for scale)`, bicubic / inputs, '-']);
  results.superResolution = {
    inputs,
    samples,
    perSampleMs: perSample / n,
    batchedMsPerSample: batched / n,
    bicubicMsPerImage: bicubic / inputs,
  };
  y.dispose();
  model.dispose();
  printTable(['measurement', 'median ms', 'ratio vs baseline'], rows);
  console.log(`wrote ${await writeResults('hvae', results)}`);
}

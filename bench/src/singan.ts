// Training and sampling speed of the PetsGAN approach against SinGAN (the baseline), in one process,
// on a 128 x 85 image with each trainer's defaults: per-iteration medians of every SinGAN scale and
// every PetsGAN phase, scaled by the default iteration counts into estimated training times, and
// milliseconds per sample. Quality (SIFID, diversity) needs full training: see the singan README.
import { type ProgressEvent, tf } from '@scalespace/core';
import {
  resolvePetsGANOptions,
  resolveSinGANOptions,
  syntheticImage,
  trainPetsGAN,
  trainSinGAN,
} from '@scalespace/singan';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const STEPS = 8;

/** Runs a trainer for STEPS iterations per scale/phase and returns the median step time of each (ms). */
async function stepTimes(train: (onProgress: (e: ProgressEvent) => void) => Promise<{ dispose(): void }>) {
  const times = new Map<string, number[]>();
  let last = performance.now();
  let lastPhase = '';
  const model = await train((e) => {
    const now = performance.now();
    const phase = e.phase ?? '';
    if (phase === lastPhase && e.step > 1) {
      const list = times.get(phase) ?? [];
      list.push(now - last);
      times.set(phase, list);
    }
    lastPhase = phase;
    last = now;
  });
  model.dispose();
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  const image = syntheticImage(85, 128);
  const singanDefaults = resolveSinGANOptions({});
  const petsDefaults = resolvePetsGANOptions({});
  const singan = await stepTimes((onProgress) => trainSinGAN({ image, iterations: STEPS, onProgress }));
  const pets = await stepTimes((onProgress) =>
    trainPetsGAN({
      image,
      ganIterations: STEPS,
      restorationIterations: STEPS,
      jointIterations: STEPS,
      augmentations: 4,
      onProgress,
    }),
  );
  const petsIterations: Record<string, number> = {
    'low-res GAN': petsDefaults.ganIterations,
    restoration: petsDefaults.restorationIterations,
    joint: petsDefaults.jointIterations,
  };
  const rows: Array<Array<string | number>> = [];
  let singanTotal = 0;
  for (const [phase, ms] of singan) {
    const seconds = (ms * singanDefaults.iterations) / 1000;
    singanTotal += seconds;
    rows.push(['SinGAN', phase, ms, singanDefaults.iterations, seconds]);
  }
  let petsTotal = 0;
  for (const [phase, ms] of pets) {
    const seconds = (ms * (petsIterations[phase] ?? 0)) / 1000;
    petsTotal += seconds;
    rows.push(['PetsGAN', phase, ms, petsIterations[phase] ?? 0, seconds]);
  }
  rows.push(['SinGAN', 'total (estimated)', '', '', singanTotal], ['PetsGAN', 'total (estimated)', '', '', petsTotal]);
  printTable(['method', 'scale / phase', 'ms per iteration (median)', 'default iterations', 'seconds'], rows);
  console.log(`PetsGAN approach / SinGAN training time: ${(petsTotal / singanTotal).toFixed(3)} (goal <= 0.333)`);

  // Sampling: one 128 x 85 sample from each (untrained weights cost the same as trained ones).
  const sModel = await trainSinGAN({ image, iterations: 1 });
  const pModel = await trainPetsGAN({
    image,
    ganIterations: 1,
    restorationIterations: 1,
    jointIterations: 1,
    augmentations: 1,
  });
  const sMs = median(await timeRuns(() => tf.tidy(() => sModel.sample({ n: 1, seed: 1 }).dataSync()), 7));
  const pMs = median(await timeRuns(() => tf.tidy(() => pModel.sample({ n: 1, seed: 1 }).dataSync()), 7));
  sModel.dispose();
  pModel.dispose();
  image.dispose();
  printTable(
    ['method', 'ms per sample (median of 7)', 'ratio to SinGAN'],
    [
      ['SinGAN', sMs, 1],
      ['PetsGAN', pMs, pMs / sMs],
    ],
  );
  const file = await writeResults('singan', {
    image: '128x85 synthetic',
    singan: Object.fromEntries(singan),
    petsgan: Object.fromEntries(pets),
    estimatedTrainingSeconds: { singan: singanTotal, petsgan: petsTotal, ratio: petsTotal / singanTotal },
    msPerSample: { singan: sMs, petsgan: pMs, ratio: pMs / sMs },
  });
  console.log(`wrote ${file}`);
}

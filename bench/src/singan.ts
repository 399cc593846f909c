// Training and sampling speed of the PetsGAN approach against SinGAN (the baseline), in one process,
// on a 128 x 85 image with each trainer's defaults: per-iteration medians of every SinGAN scale and
// every PetsGAN phase (its two warm-ups also measured running at once, as it trains by default),
// scaled by the default iteration counts into estimated training times, and milliseconds per
// sample. Quality (SIFID, diversity) needs full training: see the singan README.
import { type ProgressEvent, tf } from '@scalespace/core';
import { trainPetsGAN, trainSinGAN } from '@scalespace/singan';
import { resolvePetsGANOptions, resolveSinGANOptions, syntheticImage } from '@scalespace/singan/internal';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const STEPS = 8;

/** Runs a trainer and returns each scale/phase's step intervals (ms) with the time each step ended. */
async function stepIntervals(train: (onProgress: (e: ProgressEvent) => void) => Promise<{ dispose(): void }>) {
  const steps = new Map<string, Array<{ at: number; ms: number }>>();
  const last = new Map<string, number>();
  const model = await train((e) => {
    const at = performance.now();
    const phase = e.phase ?? '';
    const before = last.get(phase);
    if (before !== undefined) steps.set(phase, [...(steps.get(phase) ?? []), { at, ms: at - before }]);
    last.set(phase, at);
  });
  model.dispose();
  return steps;
}

/** The median step time of each scale/phase (ms). */
async function stepTimes(train: (onProgress: (e: ProgressEvent) => void) => Promise<{ dispose(): void }>) {
  const steps = await stepIntervals(train);
  return new Map([...steps].map(([k, v]) => [k, median(v.map((s) => s.ms))]));
}

export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  const image = syntheticImage(85, 128);
  const singanDefaults = resolveSinGANOptions({});
  const petsDefaults = resolvePetsGANOptions({});
  const singan = await stepTimes((onProgress) => trainSinGAN({ image, iterations: STEPS, onProgress }));
  // PetsGAN in one thread, then its two warm-ups at once (the default): the restoration runs in a
  // worker on the second core. The GAN is given more steps, so it runs through the whole warm-up
  // and only its steps while the worker trains are counted (both slow down sharing the machine).
  // The worker gets 3 x STEPS steps: its first ones, in a fresh thread, are slower.
  const pets = await stepTimes((onProgress) =>
    trainPetsGAN({
      image,
      ganIterations: STEPS,
      restorationIterations: STEPS,
      jointIterations: STEPS,
      augmentations: 4,
      parallel: false,
      onProgress,
    }),
  );
  const both = await stepIntervals((onProgress) =>
    trainPetsGAN({
      image,
      ganIterations: 12 * STEPS,
      restorationIterations: 3 * STEPS,
      jointIterations: 0,
      augmentations: 4,
      onProgress,
    }),
  );
  const worker = both.get('restoration') ?? [];
  const [from, to] = [worker[0]?.at ?? 0, worker.at(-1)?.at ?? 0];
  const concurrent = new Map([
    ['low-res GAN', median((both.get('low-res GAN') ?? []).filter((s) => s.at > from && s.at <= to).map((s) => s.ms))],
    ['restoration', median(worker.map((s) => s.ms))],
  ]);
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
  let oneThread = 0;
  for (const [phase, ms] of pets) {
    const seconds = (ms * (petsIterations[phase] ?? 0)) / 1000;
    oneThread += seconds;
    rows.push(['PetsGAN, one thread', phase, ms, petsIterations[phase] ?? 0, seconds]);
  }
  // At once, the warm-ups take as long as the longer one at its shared-machine pace (an upper
  // bound: once the shorter one ends, the other has the machine to itself), then the joint phase.
  const warmups: number[] = [];
  for (const [phase, ms] of concurrent) {
    const seconds = (ms * (petsIterations[phase] ?? 0)) / 1000;
    warmups.push(seconds);
    rows.push(['PetsGAN', `${phase} (at once)`, ms, petsIterations[phase] ?? 0, seconds]);
  }
  const joint = ((pets.get('joint') ?? 0) * petsIterations.joint) / 1000;
  const petsTotal = Math.max(...warmups) + joint;
  rows.push(
    ['SinGAN', 'total (estimated)', '', '', singanTotal],
    ['PetsGAN, one thread', 'total (estimated)', '', '', oneThread],
    ['PetsGAN', 'total: the longer warm-up + joint', '', '', petsTotal],
  );
  printTable(['method', 'scale / phase', 'ms per iteration (median)', 'default iterations', 'seconds'], rows);
  console.log(`PetsGAN approach / SinGAN training time: ${(petsTotal / singanTotal).toFixed(3)} (goal <= 0.333)`);
  console.log(`  in one thread: ${(oneThread / singanTotal).toFixed(3)}`);

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
    petsganWarmupsAtOnce: Object.fromEntries(concurrent),
    estimatedTrainingSeconds: {
      singan: singanTotal,
      petsgan: petsTotal,
      ratio: petsTotal / singanTotal,
      petsganOneThread: oneThread,
      ratioOneThread: oneThread / singanTotal,
    },
    msPerSample: { singan: sMs, petsgan: pMs, ratio: pMs / sMs },
  });
  console.log(`wrote ${file}`);
}

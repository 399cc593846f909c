import { type Adam, type ProgressEvent, type Rng, rng, tf, trainLoop } from '@scalespace/core';
import { jointTraining } from './joint-training.js';
import { lowResGan } from './low-res-gan.js';
import { Owner } from './owner.js';
import { PETSGAN_FORMAT, type PetsGAN, type PetsGANConfig } from './petsgan.js';
import { type TrainingPairs, trainingPairs } from './petsgan-dataset.js';
import {
  assertLowResCriticFits,
  newPetsGANConfig,
  PETSGAN_DEFAULTS,
  type PetsGANTrainOptions,
  resolvePetsGANOptions,
  savedPetsGANOptions,
  type TrainPetsGANOptions,
} from './petsgan-options.js';
import {
  createTrainees,
  loadOptimizers,
  type PetsGANTrainees,
  type PetsGANTrainingInfo,
  type PhaseTraining,
  savePetsGANRun,
  startTrainees,
  storeAverage,
} from './petsgan-trainees.js';
import { type OptimizerState, RestorationBeside } from './restoration-beside.js';
import { restorationWarmup } from './restoration-warmup.js';
import { beginTraining, chosenOptions } from './train-state.js';
import { seedOf } from './validate.js';

export type { PetsGANTrainOptions, TrainPetsGANOptions } from './petsgan-options.js';
export { petsganSizes, resolvePetsGANOptions } from './petsgan-options.js';

type Phase = 'gan' | 'restoration' | 'joint';
const PHASES: Phase[] = ['gan', 'restoration', 'joint'];
/** The progress label of each phase. */
const PHASE_LABEL: Record<Phase, string> = { gan: 'low-res GAN', restoration: 'restoration', joint: 'joint' };
const PHASE_OF_LABEL: Record<string, Phase> = { 'low-res GAN': 'gan', restoration: 'restoration', joint: 'joint' };

/**
 * Trains the PetsGAN approach on one image (supplement Algorithm 1): (1) warm up the low-resolution
 * GAN (`low-res-gan.ts`); (2) warm up the restoration network (`restoration-warmup.ts`; in a worker
 * thread beside the GAN where it can, `parallel`); (3) the joint phase (`joint-training.ts`).
 * Resumable like `trainSinGAN`: each phase checkpoints its step, its optimisers and the networks.
 */
export async function trainPetsGAN(options: TrainPetsGANOptions): Promise<PetsGAN> {
  const { signal } = options;
  const { image, checkpointEvery, saved, run, recorded } = await beginTraining<PetsGANTrainingInfo>(
    options,
    PETSGAN_FORMAT,
    { given: chosenOptions(options, Object.keys(PETSGAN_DEFAULTS)), resolved: () => resolvePetsGANOptions(options) },
  );
  // Every step of every phase (the worker's too) goes to the run's log, then to the caller.
  const onProgress = (event: ProgressEvent) => {
    run?.log({
      phase: PHASE_OF_LABEL[event.phase ?? ''] ?? event.phase,
      step: event.step,
      loss: event.loss,
      ...event.metrics,
    });
    options.onProgress?.(event);
  };
  const owner = new Owner();
  owner.own(image);
  // The saved tensors, until loaded into the networks and optimisers.
  let savedGroups = saved ? owner.ownTensors(saved.groups) : null;
  let beside: RestorationBeside | null = null;
  let saving: Promise<void> = Promise.resolve();
  try {
    const { config, seed, o } = runSettings(options, image, saved?.info ?? null, recorded);
    const adamSteps = saved?.info.adam ?? {};
    assertLowResCriticFits(o, config.lrSize);
    const trainees = owner.own(createTrainees(config, o, seed));
    const model = owner.own(trainees.model);
    await startTrainees(trainees, image, seed, savedGroups, run?.dir);
    // The log keeps what the checkpoint holds: each phase up to its saved step. A fresh run, or a
    // resumed one that stopped before its first checkpoint, starts over, and so does its log.
    const steps = config.steps;
    const resumed = savedGroups !== null;
    await run?.resumeLog((e) => resumed && (e.step as number) <= (steps[e.phase as Phase] ?? Number.POSITIVE_INFINITY));
    const pairs = owner.ownTensors(trainingPairs(model));
    const started = performance.now();
    const startSeconds = config.trainingSeconds;
    const elapsed = () => startSeconds + (performance.now() - started) / 1000;
    const totals: Record<Phase, number> = {
      gan: o.ganIterations,
      restoration: o.restorationIterations,
      joint: o.jointIterations,
    };
    // A half-done restoration warm-up's moments, kept past the first phase's load: the worker or
    // the later restoration phase needs them (once the warm-up is done, adam_ir is the joint's).
    const warmupState = takeWarmupState(savedGroups, adamSteps, steps.restoration, totals.restoration);
    if (warmupState) owner.ownTensors(warmupState.state);

    // What the running phase adds to a checkpoint: its optimisers and G's weight average.
    let running: PhaseTraining | null = null;
    const save = async () => {
      if (!run) return;
      config.trainingSeconds = elapsed();
      // While the warm-up runs in the worker, its latest snapshot is part of every checkpoint.
      const warmup = beside?.latestState(model) ?? null;
      try {
        await savePetsGANRun(run, trainees, { config, seed, running, warmup });
      } finally {
        if (warmup) tf.dispose(warmup.state);
      }
    };
    // One save at a time: the worker's snapshots can ask for one while another is being written.
    let ganFinished = false;
    const queueSave = () => {
      saving = saving.then(save);
      saving.catch(() => undefined);
      return saving;
    };
    if ((options.parallel ?? true) && steps.gan < totals.gan && steps.restoration < totals.restoration) {
      beside = await RestorationBeside.start({
        model,
        pairs,
        o,
        seed,
        startStep: steps.restoration,
        optimizer: warmupState?.iterations !== undefined ? warmupState : null,
        checkpointEvery: run ? checkpointEvery : undefined,
        onProgress,
        // While the GAN trains, its own checkpoints carry the latest snapshot.
        onSnapshot: () => {
          if (ganFinished) void queueSave();
        },
        signal,
      });
    }

    const base = rng(seed);
    for (const phase of PHASES) {
      if (steps[phase] >= totals[phase]) continue;
      const training = owner.own(await startPhase(phase, { trainees, pairs, image, options, o, base, savedGroups }));
      const groups = savedGroups;
      const savedState = (name: string) => (phase === 'restoration' ? warmupState?.state : groups?.[`adam_${name}`]);
      loadOptimizers(training, savedState, adamSteps, steps[phase] > 0);
      owner.release(savedGroups);
      savedGroups = null;
      running = training;
      // The GAN beside a worker also stops when the worker fails, and reports the worker's error.
      const worker = phase === 'gan' ? beside : null;
      try {
        await trainLoop({
          total: totals[phase],
          startStep: steps[phase],
          phase: PHASE_LABEL[phase],
          signal: worker ? (signal ? AbortSignal.any([signal, worker.failed]) : worker.failed) : signal,
          onProgress,
          checkpointEvery,
          onCheckpoint: async (done) => {
            steps[phase] = done;
            await queueSave();
          },
          step: training.step,
        });
      } catch (error) {
        throw worker?.failure ? worker.failure : error;
      } finally {
        if (training.ema) storeAverage(trainees, training.ema);
        running = null;
        owner.release(training);
      }
      steps[phase] = totals[phase];
      if (worker) {
        // The GAN is done; the warm-up may still be running. From now on its snapshots are saved as they come.
        ganFinished = true;
        if (worker.hasNewSnapshot) void queueSave();
        await worker.finish(model);
        await queueSave();
        beside = null;
      }
    }
    config.trainingSeconds = elapsed();
    await saving;
    await run?.close();
    return owner.handOver(model);
  } catch (error) {
    // Nothing is closed under a checkpoint being written, or while the worker runs.
    await saving.catch(() => undefined);
    await beside?.terminate();
    await run?.close(error);
    throw error;
  } finally {
    // Nothing is disposed under a checkpoint being written, or while the worker runs.
    await saving.catch(() => undefined);
    await beside?.terminate();
    owner.dispose();
  }
}

/** The run's config, seed and options: a resumed run's own, or a fresh run's from the options given (and those a run that stopped before its first checkpoint recorded). */
function runSettings(
  options: TrainPetsGANOptions,
  image: tf.Tensor3D,
  saved: PetsGANTrainingInfo | null,
  recorded: { options: Record<string, unknown>; seed?: number } | null,
): { config: PetsGANConfig; seed: number; o: Required<PetsGANTrainOptions> } {
  if (saved) return { config: saved.config, seed: saved.seed, o: savedPetsGANOptions(saved.config) };
  const seed = seedOf(options.seed ?? recorded?.seed);
  const o = resolvePetsGANOptions({ ...recorded?.options, ...chosenOptions(options, Object.keys(PETSGAN_DEFAULTS)) });
  return { config: newPetsGANConfig(o, [image.shape[0], image.shape[1]]), seed, o };
}

/** Sets up one phase; each draws from its own stream, `rng(seed).fork(phase)`. */
async function startPhase(
  phase: Phase,
  run: {
    trainees: PetsGANTrainees;
    pairs: TrainingPairs;
    image: tf.Tensor3D;
    options: TrainPetsGANOptions;
    o: Required<PetsGANTrainOptions>;
    base: Rng;
    savedGroups: Record<string, unknown> | null;
  },
): Promise<PhaseTraining> {
  const { trainees, pairs, o, base } = run;
  const phaseRng = base.fork(phase);
  if (phase === 'gan') {
    return lowResGan({
      trainees,
      pairs,
      image: run.image,
      external: run.options.external ?? [],
      o,
      dataRng: base.fork('data'),
      phaseRng,
      resumed: run.savedGroups !== null,
    });
  }
  if (phase === 'joint') return jointTraining(trainees, pairs, o, phaseRng);
  const { optimizer, step } = restorationWarmup(trainees.model.net.restoration, pairs, o, phaseRng);
  const optimizers: Record<string, Adam> = { ir: optimizer };
  return { optimizers, ema: null, step, dispose: () => optimizer.dispose() };
}

/** Takes a half-done warm-up's optimiser state out of the saved groups (null when the warm-up was not half done). */
function takeWarmupState(
  groups: Record<string, Record<string, tf.Tensor>> | null,
  adamSteps: Record<string, number>,
  done: number,
  total: number,
): OptimizerState | null {
  const state = groups?.adam_ir;
  if (!groups || !state || done === 0 || done >= total) return null;
  delete groups.adam_ir;
  return { state, iterations: adamSteps.ir };
}

import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidImageError, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSingleImageModel } from './load-model.js';
import type { PetsGAN } from './petsgan.js';
import { syntheticImage } from './test-image.js';
import { resolvePetsGANOptions, trainPetsGAN } from './train-petsgan.js';
import { disposeGroups, loadTrainingState, saveTrainingState } from './train-state.js';

const tiny = {
  maxSize: 64,
  ganIterations: 60,
  ganBatch: 4,
  ganLr: 2e-3,
  restorationIterations: 250,
  jointIterations: 6,
  generatorChannels: 8,
  criticChannels: 4,
  restorationChannels: 8,
  patchCriticChannels: 4,
  patchCriticBranches: 1,
  jointCrop: 32,
  augmentations: 6,
  copies: 3,
  restorationLr: 3e-3,
} as const;

/** Makes a saved run look like one from before the low-res critic options existed (it used PetsGAN's GAN). */
async function forgetNewOptions(runDir: string): Promise<void> {
  const saved = await loadTrainingState<{
    config: { generatorPositional?: boolean; training: Record<string, unknown> };
  }>(runDir);
  if (!saved) throw new Error(`no training state in ${runDir}`);
  delete saved.info.config.generatorPositional;
  for (const key of ['lowResCritic', 'lowResCriticLayers', 'positionalEncoding'])
    delete saved.info.config.training[key];
  await saveTrainingState(runDir, saved.groups, saved.info);
  disposeGroups(saved.groups);
}

function psnr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => -10 * Math.log10(tf.mean(tf.squaredDifference(a, b.reshape(a.shape))).dataSync()[0]));
}

describe('PetsGAN approach', () => {
  let dir: string;
  let image: tf.Tensor3D;
  let model: PetsGAN;
  let startTensors: number;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    startTensors = tf.memory().numTensors;
    dir = await mkdtemp(join(tmpdir(), 'petsgan-'));
    image = syntheticImage(64);
    model = await trainPetsGAN({ image, ...tiny, seed: 2, out: join(dir, 'run') });
  });

  afterAll(async () => {
    model.dispose();
    image.dispose();
    expect(tf.memory().numTensors).toBe(startTensors);
    await rm(dir, { recursive: true, force: true });
  });

  it('works at image / 8 and reconstructs the training image through G and the restoration net', () => {
    expect(model.config.lrSize).toEqual([8, 8]);
    expect(model.config.hrSize).toEqual([64, 64]);
    const rec = model.reconstruct();
    expect(rec.shape).toEqual([1, 64, 64, 3]);
    expect(psnr(rec, image)).toBeGreaterThan(20);
    rec.dispose();
  });

  it('samples at arbitrary sizes, deterministic per seed', () => {
    const before = tf.memory().numTensors;
    for (const size of [
      [64, 64],
      [48, 96],
      [50, 30],
    ] as Array<[number, number]>) {
      const s = model.sample({ n: 2, seed: 3, size });
      expect(s.shape).toEqual([2, ...size, 3]);
      s.dispose();
    }
    const a = model.sample({ n: 2, seed: 4 });
    const b = model.sample({ n: 2, seed: 4 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through a checkpoint and the generic loader: identical samples for the same seed', async () => {
    const before = tf.memory().numTensors;
    await model.save(join(dir, 'saved'));
    const loaded = await loadSingleImageModel(join(dir, 'saved'));
    expect(loaded.method).toBe('petsgan');
    const a = model.sample({ n: 2, seed: 7, size: [40, 72] });
    const b = loaded.sample({ n: 2, seed: 7, size: [40, 72] });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('injects, animates and super-resolves with the right shapes', () => {
    const before = tf.memory().numTensors;
    const painted = tf.tidy(() => tf.reverse(image, 0) as tf.Tensor3D);
    const injected = model.inject({ image: painted, n: 2 });
    expect(injected.shape).toEqual([2, 64, 64, 3]);
    const frames = model.animate({ frames: 3 });
    expect(frames.shape).toEqual([3, 64, 64, 3]);
    const sr = model.superResolve({ factor: 2 });
    expect(sr.shape).toEqual([1, 128, 128, 3]);
    tf.dispose([painted, injected, frames, sr]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    ['patch', false],
    ['image', true],
  ] as const)('resumes an interrupted run to exactly the same weights (%s critic)', async (critic, positional) => {
    const before = tf.memory().numTensors;
    // Two critic steps per G step and the lazy gradient penalty (every 3rd critic step) on, so their
    // schedule has to resume as well; both low-res critics (PetsGAN's with its positional encoding,
    // saved as a run from before the critic options existed, which must resume as that GAN).
    const small = {
      ...tiny,
      lowResCritic: critic,
      positionalEncoding: positional,
      ganIterations: 6,
      restorationIterations: 6,
      jointIterations: 4,
      criticSteps: 2,
      penaltyEvery: 3,
      seed: 5,
    };
    const full = await trainPetsGAN({ image, ...small });
    const controller = new AbortController();
    await expect(
      trainPetsGAN({
        image,
        ...small,
        out: join(dir, `resume-${critic}`),
        checkpointEvery: 2,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.phase === 'low-res GAN' && e.step === 3) controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    if (critic === 'image') await forgetNewOptions(join(dir, `resume-${critic}`));
    const resumed = await trainPetsGAN({ image, out: join(dir, `resume-${critic}`), resume: true });
    const a = full.net.stateDict();
    const b = resumed.net.stateDict();
    for (const name of Object.keys(a)) expect(Array.from(b[name].dataSync())).toEqual(Array.from(a[name].dataSync()));
    full.dispose();
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains the restoration warm-up in a worker beside the GAN to the same weights as in one thread', async () => {
    const before = tf.memory().numTensors;
    // A cheap GAN with many steps, so the worker's warm-up is half done while the GAN still runs.
    const small = {
      ...tiny,
      ganIterations: 200,
      ganBatch: 2,
      criticSteps: 1,
      generatorChannels: 4,
      restorationIterations: 12,
      jointIterations: 2,
      seed: 6,
    };
    const sequential = await trainPetsGAN({ image, ...small, parallel: false });
    // Stopped with both warm-ups half done, then finished in one thread and, from a copy, in two.
    const run = join(dir, 'parallel');
    const controller = new AbortController();
    await expect(
      trainPetsGAN({
        image,
        ...small,
        out: run,
        checkpointEvery: 2,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.phase === 'restoration' && e.step === 6) controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    const saved = await loadTrainingState<{ config: { steps: Record<string, number> } }>(run);
    if (!saved) throw new Error('no training state saved');
    disposeGroups(saved.groups);
    const { gan, restoration } = saved.info.config.steps;
    expect(gan).toBeLessThan(200);
    expect(restoration).toBeGreaterThan(0);
    expect(restoration).toBeLessThan(12);
    await cp(run, `${run}-copy`, { recursive: true });
    const resumedOne = await trainPetsGAN({ image, out: run, resume: true, parallel: false });
    const resumedTwo = await trainPetsGAN({ image, out: `${run}-copy`, resume: true, parallel: true });
    const a = sequential.net.stateDict();
    for (const other of [resumedOne, resumedTwo]) {
      const b = other.net.stateDict();
      for (const name of Object.keys(a))
        expect(Array.from(b[name].dataSync()), name).toEqual(Array.from(a[name].dataSync()));
    }
    for (const m of [sequential, resumedOne, resumedTwo]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad schedule options with the option named', () => {
    expect(() => resolvePetsGANOptions({ penaltyEvery: 0 })).toThrow(
      /penaltyEvery must be an integer in \[1, 64\], got 0/,
    );
    expect(() => resolvePetsGANOptions({ factor: 3 })).toThrow(/factor must be 2, 4, 8 or 16/);
    expect(() => resolvePetsGANOptions({ criticSteps: 0 })).toThrow(/criticSteps must be an integer in \[1, 16\]/);
    expect(resolvePetsGANOptions({ penaltyEvery: 4 }).penaltyEvery).toBe(4);
    expect(() => resolvePetsGANOptions({ lowResCritic: 'global' as 'patch' })).toThrow(
      /lowResCritic must be 'image' or 'patch', got "global"/,
    );
    expect(() => resolvePetsGANOptions({ lowResCriticLayers: 1 })).toThrow(/lowResCriticLayers must be an integer/);
    expect(() => resolvePetsGANOptions({ positionalEncoding: 'no' as unknown as boolean })).toThrow(
      /positionalEncoding must be true or false/,
    );
  });

  it('rejects a patch critic whose receptive field exceeds the low-res image', async () => {
    await expect(trainPetsGAN({ image, ...tiny, lowResCritic: 'patch', lowResCriticLayers: 4 })).rejects.toThrow(
      /the low-res image is 8 x 8, smaller than the patch critic's 9 px receptive field/,
    );
  });

  it('rejects an image smaller than its coarsest (low-res) scale', async () => {
    const small = syntheticImage(40);
    await expect(trainPetsGAN({ image: small })).rejects.toThrow(InvalidImageError);
    await expect(trainPetsGAN({ image: small })).rejects.toThrow(/smaller than the coarsest scale/);
    small.dispose();
  });
});

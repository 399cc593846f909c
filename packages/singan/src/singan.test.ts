import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, InvalidImageError, RUN_FILE, readRunLog, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeTo } from './ops.js';
import { SinGAN } from './singan.js';
import { syntheticImage } from './test-image.js';
import { trainSinGAN } from './train-singan.js';

const tiny = { maxSize: 32, minSize: 16, channels: 8, maxChannels: 8, dSteps: 1, gSteps: 1, lr: 2e-3 } as const;

/** PSNR in dB of two images in [0, 1] (b may lack the batch axis). */
function psnr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => -10 * Math.log10(tf.mean(tf.squaredDifference(a, b.reshape(a.shape))).dataSync()[0]));
}

describe('SinGAN', () => {
  let dir: string;
  let image: tf.Tensor3D;
  let model: SinGAN;
  let startTensors: number;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    startTensors = tf.memory().numTensors;
    dir = await mkdtemp(join(tmpdir(), 'singan-'));
    image = syntheticImage(32);
    model = await trainSinGAN({ image, ...tiny, iterations: 60, seed: 1, out: join(dir, 'run') });
  });

  afterAll(async () => {
    model.dispose();
    image.dispose();
    expect(tf.memory().numTensors).toBe(startTensors);
    await rm(dir, { recursive: true, force: true });
  });

  it('reproduces the training image from the reconstruction noise (PSNR > 22 dB after 60 iterations)', () => {
    expect(model.config.sizes.map(([h]) => h)).toEqual([16, 20, 25, 32]);
    expect(model.config.amplitudes[0]).toBe(1);
    const before = tf.memory().numTensors;
    const rec = model.reconstruct();
    expect(psnr(rec, image)).toBeGreaterThan(22);
    rec.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('samples at arbitrary sizes and aspect ratios, deterministically per seed', () => {
    const before = tf.memory().numTensors;
    for (const size of [
      [32, 32],
      [20, 48],
      [41, 23],
    ] as Array<[number, number]>) {
      const s = model.sample({ n: 2, seed: 5, size });
      expect(s.shape).toEqual([2, ...size, 3]);
      const [lo, hi] = tf.tidy(() => [tf.min(s).dataSync()[0], tf.max(s).dataSync()[0]]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      s.dispose();
    }
    const a = model.sample({ n: 2, seed: 9 });
    const b = model.sample({ n: 2, seed: 9 });
    const c = model.sample({ n: 2, seed: 10 });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, c))).dataSync()[0])).toBeGreaterThan(0);
    const named = model.sample({ size: '48x20' });
    expect(named.shape).toEqual([1, 20, 48, 3]);
    tf.dispose([a, b, c, named]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through a checkpoint: identical samples for the same seed', async () => {
    const before = tf.memory().numTensors;
    await model.save(join(dir, 'saved'));
    const loaded = await SinGAN.load(join(dir, 'saved'));
    const fromRun = await SinGAN.load(join(dir, 'run'));
    const a = model.sample({ n: 3, seed: 42, size: [24, 40] });
    const b = loaded.sample({ n: 3, seed: 42, size: [24, 40] });
    const c = fromRun.sample({ n: 3, seed: 42, size: [24, 40] });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(loaded.config.amplitudes).toEqual(model.config.amplitudes);
    tf.dispose([a, b, c]);
    loaded.dispose();
    fromRun.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('injects, animates and super-resolves with the right shapes', () => {
    const before = tf.memory().numTensors;
    const painted = tf.tidy(() => tf.reverse(image, 1) as tf.Tensor3D);
    const mask = tf.ones([32, 32, 1]) as tf.Tensor3D;
    const injected = model.inject({ image: painted, scale: 2, n: 2, seed: 1 });
    expect(injected.shape).toEqual([2, 32, 32, 3]);
    const harmonised = model.inject({ image: painted, scale: 1, mask });
    expect(harmonised.shape).toEqual([1, 32, 32, 3]);
    const frames = model.animate({ frames: 4, seed: 2 });
    expect(frames.shape).toEqual([4, 32, 32, 3]);
    const sr = model.superResolve({ factor: 2 });
    expect(sr.shape).toEqual([1, 64, 64, 3]);
    // Upscaling keeps the image: downsampled again it is close to the original.
    const back = resizeTo(sr, 32, 32);
    expect(psnr(back, image)).toBeGreaterThan(18);
    tf.dispose([painted, mask, injected, harmonised, frames, sr, back]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('SinGAN training', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('resumes an interrupted run to exactly the weights of an uninterrupted one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'singan-resume-'));
    const before = tf.memory().numTensors;
    const image = syntheticImage(24);
    const opts = {
      image,
      maxSize: 24,
      minSize: 16,
      channels: 4,
      maxChannels: 4,
      dSteps: 1,
      gSteps: 1,
      iterations: 12,
      seed: 3,
    };
    const full = await trainSinGAN(opts);
    const controller = new AbortController();
    await expect(
      trainSinGAN({
        ...opts,
        out: join(dir, 'run'),
        checkpointEvery: 5,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.phase?.startsWith('scale 2/') && e.step === 7) controller.abort();
        },
      }),
    ).rejects.toThrow(AbortError);
    const resumed = await trainSinGAN({ image, out: join(dir, 'run'), resume: true });
    const a = full.net.stateDict();
    const b = resumed.net.stateDict();
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const name of Object.keys(a)) expect(Array.from(b[name].dataSync())).toEqual(Array.from(a[name].dataSync()));
    expect(resumed.config.amplitudes).toEqual(full.config.amplitudes);
    full.dispose();
    resumed.dispose();
    image.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to resume a run made from another image or with other options, and an --out that holds a run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'singan-mismatch-'));
    const before = tf.memory().numTensors;
    const image = syntheticImage(24);
    const other = tf.tidy(() => tf.reverse(image, 1) as tf.Tensor3D);
    const opts = { maxSize: 24, minSize: 16, channels: 4, maxChannels: 4, dSteps: 1, gSteps: 1, iterations: 2 };
    const out = join(dir, 'run');
    (await trainSinGAN({ image, ...opts, out })).dispose();
    await expect(trainSinGAN({ image, ...opts, out })).rejects.toThrow(/already holds a training run/);
    await expect(trainSinGAN({ image: other, out, resume: true })).rejects.toThrow(/different config or data \(image:/);
    await expect(trainSinGAN({ image, out, resume: true, iterations: 3 })).rejects.toThrow(
      /options.iterations: 2 -> 3/,
    );
    // A run saved before run.json existed: the image saved in its state tells.
    const record = await readFile(join(dir, 'run', RUN_FILE));
    await rm(join(dir, 'run', RUN_FILE));
    await expect(trainSinGAN({ image: other, out, resume: true })).rejects.toThrow(/trained on another image/);
    (await trainSinGAN({ image, out, resume: true })).dispose();
    // A run killed before its first checkpoint (a record and log lines, no state) starts over, its log too.
    const early = join(dir, 'early');
    await mkdir(early);
    await writeFile(join(early, RUN_FILE), record);
    await writeFile(join(early, 'log.jsonl'), '{"scale":0,"step":1,"loss":1}\n');
    (await trainSinGAN({ image, out: early, resume: true })).dispose();
    const log = async (d: string) => (await readRunLog(join(d, 'log.jsonl'))).length;
    expect(await log(early)).toBe(await log(join(dir, 'run')));
    tf.dispose([image, other]);
    expect(tf.memory().numTensors).toBe(before);
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects an image smaller than the coarsest scale and a file that is not an image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'singan-bad-'));
    const before = tf.memory().numTensors;
    const small = syntheticImage(12, 30);
    await expect(trainSinGAN({ image: small, minSize: 16 })).rejects.toThrow(InvalidImageError);
    await expect(trainSinGAN({ image: small, minSize: 16 })).rejects.toThrow(/smaller than the coarsest scale/);
    const notes = join(dir, 'notes.png');
    await writeFile(notes, 'these are notes, not pixels');
    await expect(trainSinGAN({ image: notes })).rejects.toThrow(InvalidImageError);
    await expect(trainSinGAN({ image: notes })).rejects.toThrow(/notes\.png/);
    small.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await rm(dir, { recursive: true, force: true });
  });
});

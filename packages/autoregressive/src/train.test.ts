import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InterruptedError,
  loadTrainingState,
  RUN_FILE,
  readRunLog,
  rng,
  saveCheckpoint,
  TRAINING_STATE_FILE,
  tf,
} from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AutoregressiveConfig, createModel, loadModel } from './model-io.js';
import { trainModel } from './train.js';

let dir: string;
const config: AutoregressiveConfig = {
  kind: 'pixelpyramids',
  model: {
    height: 8,
    width: 8,
    channels: 1,
    bits: 3,
    components: 2,
    coarsest: 2,
    coarseModel: { filters: 8, resnets: 1 },
    level: { filters: 8, blocks: 1 },
    squeeze: 1,
  },
};

/** Deterministic batches of smooth 3-bit images. */
function batch(step: number): tf.Tensor4D {
  return tf.tidy(() => {
    const r = rng(step);
    const base = tf.mul(r.uniformTensor([4, 2, 2, 1]), 7.99);
    return tf.cast(tf.image.resizeBilinear(base as tf.Tensor4D, [8, 8]), 'int32') as tf.Tensor4D;
  });
}

describe('training PixelPyramids / PixelCNN++', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'scalespace-ar-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lowers the loss, and a resumed run ends with the same weights as an uninterrupted one', async () => {
    const before = tf.memory().numTensors;
    const straight = createModel(config, 1);
    const losses: number[] = [];
    await trainModel(straight, {
      steps: 6,
      batch,
      lr: 3e-3,
      out: join(dir, 'straight'),
      log: (e) => losses.push(e.bitsPerDim),
    });
    expect(losses[5]).toBeLessThan(losses[0]);

    const first = createModel(config, 1);
    await trainModel(first, { steps: 3, batch, lr: 3e-3, out: join(dir, 'split'), checkpointEvery: 3 });
    first.module.dispose();
    const resumed = createModel(config, 1);
    const r = await trainModel(resumed, { steps: 6, batch, lr: 3e-3, out: join(dir, 'split'), resume: true });
    expect(r.resumedFrom).toBe(3);
    const a = straight.module.parameters().map((v) => Array.from(v.dataSync()));
    const b = resumed.module.parameters().map((v) => Array.from(v.dataSync()));
    expect(b).toEqual(a);

    // Killed between the first checkpoint's model file and its training state: the resume starts over.
    const unfinished = createModel(config, 1);
    await trainModel(unfinished, { steps: 3, batch, lr: 3e-3, out: join(dir, 'unfinished'), checkpointEvery: 3 });
    unfinished.module.dispose();
    await rm(join(dir, 'unfinished', 'training-state.safetensors'));
    const restarted = createModel(config, 1);
    const u = await trainModel(restarted, { steps: 6, batch, lr: 3e-3, out: join(dir, 'unfinished'), resume: true });
    expect(u.resumedFrom).toBe(0);
    expect(restarted.module.parameters().map((v) => Array.from(v.dataSync()))).toEqual(a);
    restarted.module.dispose();

    const loaded = await loadModel(join(dir, 'straight'));
    const x = batch(99);
    const bpd = tf.tidy(() => -tf.mean(loaded.logProb(x)).dataSync()[0] / (64 * Math.LN2));
    expect(Number.isFinite(bpd) && bpd > 0).toBe(true);
    x.dispose();
    for (const m of [straight, resumed, loaded]) m.module.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains a whole-image PixelCNN++ through the same loop', async () => {
    const model = createModel(
      { kind: 'pixelcnn', model: { height: 8, width: 8, channels: 1, bits: 3, filters: 8, resnets: 1, components: 2 } },
      2,
    );
    const losses: number[] = [];
    await trainModel(model, { steps: 5, batch, lr: 3e-3, log: (e) => losses.push(e.bitsPerDim) });
    expect(losses[4]).toBeLessThan(losses[0]);
    const s = await model.sample({ n: 1, seed: 1 });
    expect(s.networkEvaluations).toBe(64);
    s.images.dispose();
    model.module.dispose();
  });
});

describe('the run directory', () => {
  it('resumes a run saved before training-state.safetensors existed, and refuses what it must', async () => {
    const straight = createModel(config, 4);
    await trainModel(straight, { steps: 4, batch, lr: 3e-3, out: join(dir, 'legacy-straight') });
    // The layout the trainer wrote before: the optimiser moments inside model.safetensors, no run.json.
    const out = join(dir, 'legacy');
    const first = createModel(config, 4);
    await trainModel(first, { steps: 2, batch, lr: 3e-3, out });
    first.module.dispose();
    const state = await loadTrainingState(out);
    if (!state) throw new Error('no state');
    await saveCheckpoint(out, state.tensors, { model: config, training: { steps: 2 } }, { step: 2 });
    tf.dispose(Object.values(state.tensors));
    for (const f of [TRAINING_STATE_FILE, RUN_FILE]) await rm(join(out, f));
    const resumed = createModel(config, 9);
    const r = await trainModel(resumed, { steps: 4, batch, lr: 3e-3, out, resume: true });
    expect(r.resumedFrom).toBe(2);
    const a = straight.module.parameters().map((v) => Array.from(v.dataSync()));
    expect(resumed.module.parameters().map((v) => Array.from(v.dataSync()))).toEqual(a);
    expect((await readRunLog(join(out, 'log.jsonl'))).map((e) => e.step)).toEqual([1, 2, 3, 4]);

    // A finished run is not overwritten without --resume or --force; a resume needs a run, with the same options.
    const fresh = createModel(config, 4);
    await expect(trainModel(fresh, { steps: 2, batch, out })).rejects.toThrow(/already holds a training run/);
    await expect(trainModel(fresh, { steps: 6, batch, lr: 1e-2, out, resume: true })).rejects.toThrow(
      /optimizer.lr: 0.003 -> 0.01/,
    );
    await expect(trainModel(fresh, { steps: 2, batch, out: join(dir, 'none'), resume: true })).rejects.toThrow(
      /holds no training run/,
    );
    const forced = await trainModel(fresh, { steps: 1, batch, out, force: true });
    expect(forced.resumedFrom).toBe(0);
    expect((await readRunLog(join(out, 'log.jsonl'))).map((e) => e.step)).toEqual([1]);
    for (const m of [straight, resumed, fresh]) m.module.dispose();
  });

  it('an interrupt writes a checkpoint at the last finished step, and the resumed run is the same run', async () => {
    const straight = createModel(config, 5);
    await trainModel(straight, { steps: 5, batch, out: join(dir, 'int-straight') });
    const out = join(dir, 'interrupted');
    const controller = new AbortController();
    const first = createModel(config, 5);
    await expect(
      trainModel(first, {
        steps: 5,
        batch,
        out,
        checkpointEvery: 100,
        signal: controller.signal,
        log: (e) => {
          if (e.step === 3) controller.abort(new InterruptedError('interrupted by SIGINT'));
        },
      }),
    ).rejects.toThrow(/interrupted after step 3 of 5; a checkpoint was written/);
    first.module.dispose();
    const resumed = createModel(config, 6);
    expect((await trainModel(resumed, { steps: 5, batch, out, resume: true })).resumedFrom).toBe(3);
    const a = straight.module.parameters().map((v) => Array.from(v.dataSync()));
    expect(resumed.module.parameters().map((v) => Array.from(v.dataSync()))).toEqual(a);
    straight.module.dispose();
    resumed.module.dispose();
  });
});

describe('time budget', () => {
  it('stops after maxSeconds with a checkpoint at the last finished step', async () => {
    const model = createModel(config, 3);
    const out = join(dir, 'budget');
    const r = await trainModel(model, { steps: 10_000, batch, out, maxSeconds: 0.5 });
    expect(r.stoppedByTimeBudget).toBe(true);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThan(10_000);
    const resumed = createModel(config, 3);
    const again = await trainModel(resumed, { steps: r.steps + 1, batch, out, resume: true });
    expect(again.resumedFrom).toBe(r.steps);
    model.module.dispose();
    resumed.module.dispose();
  });
});

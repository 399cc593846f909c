import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainingState, RUN_FILE, saveTensors, TRAINING_STATE_FILE, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL, syntheticImages } from './test-helpers.js';
import { evaluateElbo, trainVDVAE } from './train-vdvae.js';
import { readTrainLog } from './training.js';
import { VDVAE } from './vdvae.js';
import { loadVDVAE } from './vdvae-io.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'hvae-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const weights = (m: VDVAE) => Object.values(m.stateDict()).map((v) => Array.from(v.dataSync()));
const data = syntheticImages(48, 8, 3);
const common = {
  data,
  batchSize: 8,
  seed: 4,
  steps: 6,
  checkpointEvery: 3,
  logEvery: 1,
  optimizer: { warmupSteps: 2, lr: 3e-3 },
};

describe('trainVDVAE', () => {
  it('a run split with stopAt and resumed ends bit-identical to an uninterrupted one', async () => {
    const straight = new VDVAE(SMALL, { seed: 1 });
    const before = tf.memory().numTensors;
    await trainVDVAE({ ...common, model: straight, dir: join(dir, 'straight') });
    expect(tf.memory().numTensors).toBe(before);
    const first = new VDVAE(SMALL, { seed: 1 });
    const part = await trainVDVAE({ ...common, model: first, dir: join(dir, 'split'), stopAt: 3 });
    expect(part.steps).toBe(3);
    first.dispose();
    const second = new VDVAE(SMALL, { seed: 99 }); // different init: everything must come from the checkpoint
    const rest = await trainVDVAE({ ...common, model: second, dir: join(dir, 'split'), resume: true });
    expect(rest.steps).toBe(3);
    expect(weights(second)).toEqual(weights(straight));
    const emaA = await loadVDVAE(join(dir, 'straight'));
    const emaB = await loadVDVAE(join(dir, 'split'));
    expect(weights(emaB)).toEqual(weights(emaA));
    const log = await readTrainLog(join(dir, 'split'));
    expect(log.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log.every((e) => typeof e.bpd === 'number' && typeof e['klBpd.3'] === 'number')).toBe(true);
    // The test ELBO of the EMA model is a finite bits/dim with the per-group split.
    const report = await evaluateElbo(emaA, data, { batchSize: 16, limit: 32 });
    expect(report.images).toBe(32);
    expect(report.klPerGroupBpd).toHaveLength(4);
    expect(Number.isFinite(report.bitsPerDim)).toBe(true);
    for (const m of [straight, second, emaA, emaB]) m.dispose();
  });

  it('a finished run resumed with more steps continues as if they had been asked for from the start', async () => {
    const short = new VDVAE(SMALL, { seed: 1 });
    await trainVDVAE({ ...common, steps: 3, model: short, dir: join(dir, 'extend') });
    short.dispose();
    const longer = new VDVAE(SMALL, { seed: 7 });
    const rest = await trainVDVAE({ ...common, model: longer, dir: join(dir, 'extend'), resume: true });
    expect(rest.steps).toBe(3);
    const straight = await loadVDVAE(join(dir, 'straight')); // the 6-step run of the first test
    const extended = await loadVDVAE(join(dir, 'extend'));
    expect(weights(extended)).toEqual(weights(straight));
    for (const m of [longer, straight, extended]) m.dispose();
  });

  it('skips and counts updates whose gradient norm is above the threshold', async () => {
    const model = new VDVAE(SMALL, { seed: 2 });
    const start = weights(model);
    const result = await trainVDVAE({
      ...common,
      steps: 4,
      model,
      dir: join(dir, 'skip'),
      optimizer: { skipThreshold: 1e-9, gradClip: 1e-9 },
    });
    expect(result.skipped).toBe(4);
    expect(weights(model)).toEqual(start);
    const log = await readTrainLog(join(dir, 'skip'));
    expect(log.map((e) => e.skipped)).toEqual([true, true, true, true]);
    expect(log[3].skippedTotal).toBe(4);
    model.dispose();
  });

  it('resumes a run saved before run.json (config in the state header) and refuses other data', async () => {
    const first = new VDVAE(SMALL, { seed: 1 });
    const out = join(dir, 'legacy');
    await trainVDVAE({ ...common, model: first, out, stopAt: 3 });
    first.dispose();
    // The layout of the earlier trainer: the config and skip count as header strings, no run.json.
    const state = await loadTrainingState<{ config: unknown; skipped: number }>(out);
    if (!state?.info) throw new Error('no state');
    await saveTensors(join(out, TRAINING_STATE_FILE), state.tensors, {
      step: '3',
      skipped: String(state.info.skipped),
      config: JSON.stringify(state.info.config),
    });
    tf.dispose(Object.values(state.tensors));
    await rm(join(out, RUN_FILE));
    const other = new VDVAE(SMALL, { seed: 5 });
    await expect(trainVDVAE({ ...common, model: other, out, resume: true, batchSize: 4 })).rejects.toThrow(
      /different config/,
    );
    const second = new VDVAE(SMALL, { seed: 5 });
    const rest = await trainVDVAE({ ...common, model: second, out, resume: true });
    expect(rest.steps).toBe(3);
    const straight = await loadVDVAE(join(dir, 'straight'));
    const resumed = await loadVDVAE(out);
    expect(weights(resumed)).toEqual(weights(straight));
    // Now recorded: other data is refused, naming it.
    await expect(
      trainVDVAE({ ...common, data: syntheticImages(48, 8, 4), model: second, out, resume: true }),
    ).rejects.toThrow(/different config or data \(data: /);
    for (const m of [other, second, straight, resumed]) m.dispose();
  });

  it('resumes from the state even when the model file is a save behind (a save cut short)', async () => {
    const straight = new VDVAE(SMALL, { seed: 1 });
    await trainVDVAE({ ...common, steps: 9, model: straight, out: join(dir, 'behind-straight') });
    const out = join(dir, 'behind');
    const first = new VDVAE(SMALL, { seed: 1 });
    await trainVDVAE({ ...common, steps: 9, model: first, out, stopAt: 3 });
    await copyFile(join(out, 'model.safetensors'), join(dir, 'model-at-3.safetensors'));
    await trainVDVAE({ ...common, steps: 9, model: first, out, resume: true, stopAt: 6 });
    // The model file a save behind the state (restored from a copy by hand, or left by an older trainer that
    // wrote the state first and died before the model): the state's own weight averages win.
    await copyFile(join(dir, 'model-at-3.safetensors'), join(out, 'model.safetensors'));
    const second = new VDVAE(SMALL, { seed: 8 });
    await trainVDVAE({ ...common, steps: 9, model: second, out, resume: true });
    const [a, b] = [await loadVDVAE(join(dir, 'behind-straight')), await loadVDVAE(out)];
    expect(weights(b)).toEqual(weights(a));
    for (const m of [straight, first, second, a, b]) m.dispose();
  });

  it('refuses to resume with a different config and rejects mismatched data', async () => {
    const model = new VDVAE(SMALL, { seed: 1 });
    await expect(
      trainVDVAE({ ...common, model, dir: join(dir, 'straight'), resume: true, batchSize: 4 }),
    ).rejects.toThrow(/different config/);
    await expect(
      trainVDVAE({ ...common, model, data: syntheticImages(8, 16, 1), dir: join(dir, 'bad') }),
    ).rejects.toThrow(/16x16x1/);
    model.dispose();
  });
});

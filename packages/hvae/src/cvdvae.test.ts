import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVDVAE } from './cvdvae.js';
import { loadCVDVAE } from './cvdvae-io.js';
import { perturb, SMALL, syntheticImages } from './test-helpers.js';
import { trainCVDVAE } from './train-cvdvae.js';
import { VDVAE } from './vdvae.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'hvae-cvdvae-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const make = (seed = 1) =>
  new CVDVAE(
    perturb(new VDVAE(SMALL, { seed }), seed + 1, 0.2),
    { scale: 2, groups: 3, encBlocks: '4x1,4d4,1x1' },
    { seed: 3 },
  );

describe('CVDVAE', () => {
  it('training changes only the low-resolution encoder: the prior stays bit-identical', async () => {
    const model = make();
    const priorBefore = Object.fromEntries(
      Object.entries(model.prior.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]),
    );
    const encoderBefore = Array.from(model.lr_heads[0].c4.weight.dataSync());
    expect(model.trainableParameters().length).toBe(
      model.lr_encoder.parameters().length + model.lr_heads.flatMap((h) => h.parameters()).length,
    );
    const before = tf.memory().numTensors;
    const out = join(dir, 'freeze');
    const result = await trainCVDVAE({
      model,
      data: syntheticImages(64, 8, 1),
      dir: out,
      steps: 6,
      batchSize: 8,
      seed: 1,
      optimizer: { warmupSteps: 1, lr: 1e-2 },
      logEvery: 1,
    });
    expect(result.steps).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    for (const [k, v] of Object.entries(model.prior.stateDict()))
      expect(Array.from(v.dataSync()), k).toEqual(priorBefore[k]);
    expect(Array.from(model.lr_heads[0].c4.weight.dataSync())).not.toEqual(encoderBefore);
    // The saved model holds the same prior and the EMA encoder, and loads as a whole.
    const loaded = await loadCVDVAE(out);
    for (const [k, v] of Object.entries(loaded.prior.stateDict()))
      expect(Array.from(v.dataSync()), k).toEqual(priorBefore[k]);
    loaded.dispose();
    model.dispose();
  });

  it('the KL-sum loss falls when the encoder is trained', async () => {
    const model = make(5);
    const data = syntheticImages(64, 8, 2);
    const out = join(dir, 'falls');
    const losses: number[] = [];
    await trainCVDVAE({
      model,
      data,
      dir: out,
      steps: 40,
      batchSize: 16,
      seed: 2,
      optimizer: { warmupSteps: 1, lr: 3e-3 },
      logEvery: 1,
      onLog: (e) => losses.push(e.loss),
    });
    const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(tail).toBeLessThan(head * 0.8);
    model.dispose();
  });

  it('super-resolves with one batched pass per call: shapes, determinism at temperature 0, diversity above it', () => {
    const model = make();
    const y = rng(4).uniformTensor([2, 4, 4, 1]);
    const before = tf.memory().numTensors;
    const a = model.superResolve(y, { samples: 3, temperature: 0, seed: 1 });
    expect(a.shape).toEqual([2, 3, 8, 8, 1]);
    const b = model.superResolve(y, { samples: 3, temperature: 0, seed: 2 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const [s0, s1] = tf.tidy(() => tf.unstack(tf.squeeze(tf.slice(a, [0, 0, 0, 0, 0], [1, 2, -1, -1, -1]), [0])));
    expect(Array.from(s0.dataSync())).toEqual(Array.from(s1.dataSync()));
    // One decoder pass for all 2 x 3 samples.
    const run = model.prior.decoder.run.bind(model.prior.decoder);
    let passes = 0;
    model.prior.decoder.run = (...args) => {
      passes += 1;
      return run(...args);
    };
    const c = model.superResolve(y, { samples: 3, temperature: 0.8, seed: 1 });
    expect(passes).toBe(1);
    const spread = tf.tidy(
      () => tf.mean(tf.squaredDifference(tf.slice(c, [0, 0], [1, 1]), tf.slice(c, [0, 1], [1, 1]))).dataSync()[0],
    );
    expect(spread).toBeGreaterThan(0);
    const one = tf.tidy(() => tf.slice(y, [0, 0, 0, 0], [1, -1, -1, -1]).squeeze([0]));
    const d = model.superResolve(one, { samples: 2, temperature: 0.5 });
    expect(d.shape).toEqual([2, 8, 8, 1]);
    tf.dispose([a, b, c, d, s0, s1, one]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.superResolve(tf.zeros([1, 8, 8, 1]))).toThrow(/low-resolution images \[N, 4, 4, 1\]/);
    y.dispose();
    model.dispose();
  });

  it('with upsample, the encoder reads y enlarged and k can cover groups above the low resolution', async () => {
    const prior = perturb(new VDVAE(SMALL, { seed: 1 }), 2, 0.2);
    const model = new CVDVAE(prior, { scale: 4, groups: 3, encBlocks: '4x1,4d4,1x1', upsample: 2 }, { seed: 3 });
    expect(model.lowSize).toBe(2);
    await trainCVDVAE({
      model,
      data: syntheticImages(32, 8, 5),
      dir: join(dir, 'up'),
      steps: 2,
      batchSize: 8,
      seed: 1,
    });
    const loaded = await loadCVDVAE(join(dir, 'up'));
    expect(loaded.config).toMatchObject({ upsample: 2, groups: 3 });
    const y = rng(4).uniformTensor([1, 2, 2, 1]);
    const before = tf.memory().numTensors;
    const a = model.superResolve(y, { samples: 2, temperature: 0, seed: 1 });
    const b = loaded.superResolve(y, { samples: 2, temperature: 0, seed: 9 });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
    y.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('rejects a k whose groups lie above the low resolution', () => {
    const prior = new VDVAE(SMALL, { seed: 1 });
    expect(() => new CVDVAE(prior, { scale: 2, groups: 4, encBlocks: '4x1,4d4,1x1' })).toThrow(/resolution 8/);
    prior.dispose();
  });
});

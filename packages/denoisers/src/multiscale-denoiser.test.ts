import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, saveCheckpoint, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDenoiser, saveDenoiser } from './checkpoint-io.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import { smallMultiscaleConfig } from './test-configs.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'denoisers-ms-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = smallMultiscaleConfig({ levels: 1, depth: 3, width: 4 });
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('conditional output of a multi-scale model', () => {
  it("'details' (the default) outputs the clean details: residual = details - net; 'noise' outputs the residual", () => {
    const before = tf.memory().numTensors;
    const r = rng(4);
    const low = r.uniformTensor([2, 6, 6, 1]) as tf.Tensor4D;
    const details = r.normalTensor([2, 6, 6, 3], { std: 0.2 }) as tf.Tensor4D;
    const input = tf.concat([low, details], 3) as tf.Tensor4D;
    const byDefault = new MultiscaleDenoiser(config, { seed: 1 });
    const noise = new MultiscaleDenoiser({ ...config, conditionalOutput: 'noise' }, { seed: 1 });
    expect(byDefault.config.conditionalOutput).toBe('details');
    const net = byDefault.conditionals[0].infer(input);
    const residual = byDefault.conditionalResidual(0, low, details);
    const expected = tf.sub(details, net);
    expect(maxAbs(residual, expected)).toBe(0);
    const noiseResidual = noise.conditionalResidual(0, low, details);
    expect(maxAbs(noiseResidual, net)).toBe(0); // same seed, same weights: the raw network output
    tf.dispose([low, details, input, net, residual, expected, noiseResidual]);
    byDefault.dispose();
    noise.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('saves the choice with the weights; a checkpoint without it (older scalespace) loads as noise', async () => {
    const model = new MultiscaleDenoiser(config, { seed: 2 });
    const path = join(dir, 'model');
    await saveDenoiser(path, model);
    const again = (await loadDenoiser(path)) as MultiscaleDenoiser;
    expect(again.config.conditionalOutput).toBe('details');
    again.dispose();
    const { conditionalOutput: _, ...older } = model.config;
    await saveCheckpoint(path, model, older);
    const old = (await loadDenoiser(path)) as MultiscaleDenoiser;
    expect(old.config.conditionalOutput).toBe('noise');
    old.dispose();
    model.dispose();
  });

  it('copies the low-pass denoiser of another model, and only one of the same shape', () => {
    const before = tf.memory().numTensors;
    const a = new MultiscaleDenoiser(config, { seed: 1 });
    const b = new MultiscaleDenoiser(config, { seed: 2 });
    const values = (m: MultiscaleDenoiser) => Object.values(m.lowpass.stateDict()).map((v) => Array.from(v.dataSync()));
    const conditionals = Object.values(b.conditionals[0].stateDict()).map((v) => Array.from(v.dataSync()));
    b.copyLowpassFrom(a);
    expect(values(b)).toEqual(values(a));
    expect(Object.values(b.conditionals[0].stateDict()).map((v) => Array.from(v.dataSync()))).toEqual(conditionals);
    const wider = new MultiscaleDenoiser({ ...config, lowpass: { depth: 3, width: 6, rf: 5 } }, { seed: 3 });
    expect(() => b.copyLowpassFrom(wider)).toThrow(/low-pass net is .*"width":6/);
    for (const m of [a, b, wider]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects an unknown choice', () => {
    expect(() => new MultiscaleDenoiser({ ...config, conditionalOutput: 'signal' as 'details' }, { seed: 1 })).toThrow(
      /conditionalOutput must be "details" or "noise"/,
    );
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainingState, type Rng, RUN_FILE, rng, saveTensors, tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDenoiser, loadDenoiser } from './checkpoint-io.js';
import type { FlatDenoiser } from './flat-denoiser.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import { smallMultiscaleConfig } from './test-configs.js';
import { LEGACY_TRAINING_STATE_FILE, TRAINING_STATE_FILE, trainDenoiser } from './train-denoiser.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'denoisers-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Piecewise-smooth grey images: a few soft discs on a gradient. */
function blobs(r: Rng, n: number, size: number): tf.Tensor3D[] {
  return Array.from({ length: n }, () => {
    const values = new Float32Array(size * size);
    const discs = Array.from({ length: 4 }, () => [
      r.uniform() * size,
      r.uniform() * size,
      2 + r.uniform() * 6,
      r.uniform() - 0.5,
    ]);
    const gx = r.uniform() * 0.4;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let v = 0.3 + (gx * x) / size;
        for (const [cy, cx, rad, a] of discs) v += a / (1 + Math.exp(Math.hypot(y - cy, x - cx) - rad));
        values[y * size + x] = Math.min(1, Math.max(0, v));
      }
    return tf.tensor3d(values, [size, size, 1]);
  });
}

const psnr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => -10 * Math.log10(tf.mean(tf.square(tf.sub(a, b))).dataSync()[0]));

const flatConfig = { kind: 'flat' as const, channels: 1 as const, net: { depth: 5, width: 12, rf: 9 } };

describe('trainDenoiser', () => {
  it('learns to denoise: a short run beats the noisy input on held-out images', async () => {
    const before = tf.memory().numTensors;
    const train = blobs(rng(1), 12, 32);
    const test = blobs(rng(2), 4, 32);
    const model = createDenoiser(flatConfig, { seed: 1 }) as FlatDenoiser;
    const result = await trainDenoiser(model, {
      images: train,
      steps: 150,
      batchSize: 8,
      patchSize: 16,
      sigmaRange: [0, 0.4],
      lr: 3e-3,
      seed: 1,
    });
    expect(result.steps).toBe(150);
    const head = result.losses.slice(0, 10).reduce((s, v) => s + v) / 10;
    const tail = result.losses.slice(-10).reduce((s, v) => s + v) / 10;
    expect(tail).toBeLessThan(0.5 * head);
    const clean = tf.stack(test) as tf.Tensor4D;
    const noisy = tf.tidy(() => tf.add(clean, rng(3).normalTensor(clean.shape, { std: 0.15 })));
    const { image, sigmaEstimate } = await model.denoise(noisy);
    expect(psnr(image, clean)).toBeGreaterThan(psnr(noisy, clean) + 4);
    // The removed noise is about the noise that was added.
    for (const s of sigmaEstimate) expect(Math.abs(s - 0.15)).toBeLessThan(0.05);
    tf.dispose([...train, ...test, clean, noisy, image]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resumes from a checkpoint bit for bit', async () => {
    const before = tf.memory().numTensors;
    const images = blobs(rng(4), 4, 24);
    const common = { images, steps: 6, batchSize: 4, patchSize: 12, seed: 9, checkpointEvery: 3 };
    const straight = createDenoiser(flatConfig, { seed: 2 }) as FlatDenoiser;
    await trainDenoiser(straight, common);
    const split = createDenoiser(flatConfig, { seed: 2 }) as FlatDenoiser;
    const out = join(dir, 'resume');
    const controller = new AbortController();
    await expect(
      trainDenoiser(split, {
        ...common,
        checkpointDir: out,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.step === 4) controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    // Resume in two more calls: up to step 5 (stopAt keeps the 6-step schedule), then to the end.
    const fresh = createDenoiser(flatConfig, { seed: 77 }) as FlatDenoiser;
    const part = await trainDenoiser(fresh, { ...common, checkpointDir: out, resume: true, stopAt: 5 });
    expect(part).toMatchObject({ startStep: 3, steps: 2 });
    const resumed = await trainDenoiser(fresh, { ...common, checkpointDir: out, resume: true });
    expect(resumed.startStep).toBe(5);
    expect(resumed.steps).toBe(1);
    const a = straight.stateDict();
    const b = fresh.stateDict();
    for (const name of Object.keys(a)) {
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a[name], b[name]))).dataSync()[0])).toBe(0);
    }
    // The checkpoint directory is also a loadable model.
    const loaded = await loadDenoiser(out);
    expect(loaded.config).toEqual(flatConfig);
    const x = rng(5).uniformTensor([1, 16, 16, 1]);
    const [p, q] = [await fresh.denoise(x), await loaded.denoise(x)];
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(p.image, q.image))).dataSync()[0])).toBe(0);
    tf.dispose([...images, x, p.image, q.image]);
    for (const m of [straight, split, fresh, loaded]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resumes a run saved under the old state-file name, with the old header layout', async () => {
    const before = tf.memory().numTensors;
    const images = blobs(rng(4), 4, 24);
    const common = { images, steps: 4, batchSize: 4, patchSize: 12, seed: 9, checkpointEvery: 2 };
    const straight = createDenoiser(flatConfig, { seed: 2 }) as FlatDenoiser;
    await trainDenoiser(straight, common);
    const out = join(dir, 'legacy');
    const first = createDenoiser(flatConfig, { seed: 2 }) as FlatDenoiser;
    await trainDenoiser(first, { ...common, out, stopAt: 2 });
    // What the earlier trainer wrote: training.safetensors with the counters as header strings, no run.json.
    const state = await loadTrainingState<{ iterations: number; config: unknown; training: unknown }>(out);
    if (!state?.info) throw new Error('no state');
    await saveTensors(join(out, LEGACY_TRAINING_STATE_FILE), state.tensors, {
      step: '2',
      iterations: String(state.info.iterations),
      config: JSON.stringify(state.info.config),
      training: JSON.stringify(state.info.training),
    });
    tf.dispose(Object.values(state.tensors));
    for (const f of [TRAINING_STATE_FILE, RUN_FILE]) await rm(join(out, f));
    const fresh = createDenoiser(flatConfig, { seed: 5 }) as FlatDenoiser;
    expect((await trainDenoiser(fresh, { ...common, out, resume: true })).startStep).toBe(2);
    const a = straight.stateDict();
    const b = fresh.stateDict();
    for (const name of Object.keys(a)) expect(Array.from(b[name].dataSync())).toEqual(Array.from(a[name].dataSync()));
    tf.dispose(images);
    for (const m of [straight, first, fresh]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to resume into a different architecture', async () => {
    const images = blobs(rng(6), 2, 16);
    const out = join(dir, 'mismatch');
    const a = createDenoiser(flatConfig) as FlatDenoiser;
    await trainDenoiser(a, { images, steps: 1, batchSize: 2, patchSize: 8, checkpointDir: out });
    const b = createDenoiser({ ...flatConfig, net: { depth: 5, width: 8, rf: 9 } }) as FlatDenoiser;
    await expect(
      trainDenoiser(b, { images, steps: 2, batchSize: 2, patchSize: 8, checkpointDir: out, resume: true }),
    ).rejects.toThrow(/cannot resume .*config/);
    tf.dispose(images);
    a.dispose();
    b.dispose();
  });

  it('trains a multi-scale model: every network learns, on bands of its own scale', async () => {
    const before = tf.memory().numTensors;
    const images = blobs(rng(7), 8, 32);
    const model = new MultiscaleDenoiser(smallMultiscaleConfig({ levels: 2, depth: 4, width: 8, lowpassRf: 9 }), {
      seed: 3,
    });
    const metrics: Array<Record<string, number>> = [];
    await trainDenoiser(model, {
      images,
      steps: 60,
      batchSize: 8,
      patchSize: 16,
      sigmaRange: [0, 0.4],
      lr: 3e-3,
      seed: 2,
      onProgress: (e) => e.metrics && metrics.push(e.metrics),
    });
    expect(Object.keys(metrics[0]).sort()).toEqual(['loss_lowpass', 'loss_scale0', 'loss_scale1']);
    for (const key of Object.keys(metrics[0])) {
      const head = metrics.slice(0, 8).reduce((s, m) => s + m[key], 0);
      const tail = metrics.slice(-8).reduce((s, m) => s + m[key], 0);
      expect(tail).toBeLessThan(head);
    }
    tf.dispose(images);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('skips a frozen network: a low-pass denoiser reused with setTrainable(false) stays bit-identical', async () => {
    const before = tf.memory().numTensors;
    const images = blobs(rng(8), 4, 32);
    const model = new MultiscaleDenoiser(smallMultiscaleConfig({ levels: 1, depth: 3, width: 6 }), { seed: 5 });
    model.lowpass.setTrainable(false);
    const lowpass = Object.values(model.lowpass.stateDict()).map((v) => Array.from(v.dataSync()));
    const conditional = Object.values(model.conditionals[0].stateDict()).map((v) => Array.from(v.dataSync()));
    const metrics: Array<Record<string, number>> = [];
    await trainDenoiser(model, {
      images,
      steps: 5,
      batchSize: 4,
      patchSize: 8,
      seed: 1,
      onProgress: (e) => e.metrics && metrics.push(e.metrics),
    });
    expect(Object.values(model.lowpass.stateDict()).map((v) => Array.from(v.dataSync()))).toEqual(lowpass);
    expect(Object.values(model.conditionals[0].stateDict()).map((v) => Array.from(v.dataSync()))).not.toEqual(
      conditional,
    );
    expect(Object.keys(metrics[0])).toEqual(['loss_scale0']);
    model.conditionals[0].setTrainable(false);
    await expect(trainDenoiser(model, { images, steps: 1, batchSize: 2, patchSize: 8 })).rejects.toThrow(
      /every parameter of the model is frozen/,
    );
    tf.dispose(images);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('zeroInitOutput starts every trained net at a trivial denoiser (identity, or "no details")', async () => {
    const before = tf.memory().numTensors;
    const images = blobs(rng(11), 2, 16);
    const ms = new MultiscaleDenoiser(smallMultiscaleConfig({ levels: 1, depth: 3, width: 4 }), { seed: 2 });
    // One step at a negligible rate: the last convs are still (about) zero.
    await trainDenoiser(ms, { images, steps: 1, batchSize: 2, patchSize: 8, lr: 1e-12, zeroInitOutput: true });
    const y = rng(3).uniformTensor([1, 8, 8, 1]) as tf.Tensor4D;
    const f = ms.residual(y); // low-pass kept, details dropped
    const low = tf.tidy(() => tf.image.resizeNearestNeighbor(tf.avgPool(y, 2, 2, 'valid'), [8, 8]));
    const expected = tf.sub(y, low);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(f, expected))).dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([images, y, f, low, expected]);
    ms.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('freezes batch-norm statistics from freezeNormAt on (training then uses the running std)', async () => {
    const before = tf.memory().numTensors;
    const images = blobs(rng(10), 4, 24);
    const model = createDenoiser(flatConfig, { seed: 3 }) as FlatDenoiser;
    const common = { images, batchSize: 4, patchSize: 12, seed: 1 };
    await trainDenoiser(model, { ...common, steps: 4, stopAt: 2, checkpointDir: join(dir, 'freeze'), freezeNormAt: 2 });
    const stds = model.net.norms.map((n) => Array.from(n.runningStd.dataSync()));
    const gains = model.net.norms.map((n) => Array.from(n.gain.dataSync()));
    await trainDenoiser(model, {
      ...common,
      steps: 4,
      checkpointDir: join(dir, 'freeze'),
      resume: true,
      freezeNormAt: 2,
    });
    // Running stds did not move after step 2; the gains still learned.
    expect(model.net.norms.map((n) => Array.from(n.runningStd.dataSync()))).toEqual(stds);
    expect(model.net.norms.map((n) => Array.from(n.gain.dataSync()))).not.toEqual(gains);
    expect(model.net.norms.every((n) => !n.statisticsFrozen)).toBe(true);
    tf.dispose(images);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates its options', async () => {
    const model = createDenoiser(flatConfig) as FlatDenoiser;
    const images = blobs(rng(8), 1, 16);
    await expect(trainDenoiser(model, { images, steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(trainDenoiser(model, { images, steps: 1, sigmaRange: [0.5, 0.1] })).rejects.toThrow(/sigmaRange/);
    await expect(trainDenoiser(model, { images, steps: 1, patchSize: 40 })).rejects.toThrow(
      /smaller than the 40x40 patch/,
    );
    await expect(trainDenoiser(model, { images, steps: 1, resume: true })).rejects.toThrow(
      /resume needs checkpointDir/,
    );
    const rgb = [tf.zeros([16, 16, 3]) as tf.Tensor3D];
    await expect(trainDenoiser(model, { images: rgb, steps: 1 })).rejects.toThrow(/has 3 channels, the model 1/);
    // One state-file name across trainers; runs saved under the old name still resume.
    expect(TRAINING_STATE_FILE).toBe('training-state.safetensors');
    expect(LEGACY_TRAINING_STATE_FILE).toBe('training.safetensors');
    tf.dispose([...images, ...rgb]);
    model.dispose();
  });
});

import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, decodeSafetensors, tf, torchFilesAt } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertSinGAN, officialScaleFactor } from './convert-official.js';
import { SinGAN } from './singan.js';

// Parity with the official SinGAN (scripts/parity/singan/make_fixtures.py ran tamarott/SinGAN's SinGAN_generate on
// a 3-scale pyramid of its generator classes with random weights). Relative error: max |scalespace - official| /
// max |official|.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'singan');
const FOLDER = join(FIXTURES, 'TrainedModels', 'coffee', 'scale_factor=0.750000,alpha=10');
const TOLERANCE = 1e-4;
const parity = decodeSafetensors(readFileSync(join(FIXTURES, 'parity.safetensors')));
const reference = parity.tensors;

/** A [C, H, W] fixture as [1, H, W, C]. */
function nhwc(name: string): tf.Tensor4D {
  const { values, shape } = reference[name];
  return tf.tidy(() => tf.expandDims(tf.transpose(tf.tensor(values, shape, 'float32'), [1, 2, 0]), 0) as tf.Tensor4D);
}

function relativeError(got: tf.Tensor, name: string): number {
  const want = nhwc(name);
  try {
    return tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] / tf.max(tf.abs(want)).dataSync()[0]);
  } finally {
    want.dispose();
  }
}

/** The noise maps the official run drew, scale by scale. */
const officialNoise = (s: number) => nhwc(`noise.${s}`);

let model: SinGAN;
let work: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  model = await convertSinGAN(torchFilesAt(FOLDER));
  work = await mkdtemp(join(tmpdir(), 'scalespace-singan-convert-'));
});
afterAll(async () => {
  model?.dispose();
  await rm(work, { recursive: true, force: true });
});

describe('official SinGAN folders through readTorchCheckpoint and convertSinGAN', () => {
  it('reads the official pyramid: sizes, widths, amplitudes and the scale factor', () => {
    const { config } = model;
    expect(config.sizes).toEqual([
      [12, 18],
      [14, 21],
      [16, 24],
    ]);
    expect(config.widths).toEqual([
      [16, 8, 4, 4],
      [16, 8, 4, 4],
      [32, 16, 8, 8],
    ]);
    expect(config).toMatchObject({ layers: 5, kernelSize: 3, norm: 'batch', upsampling: 'official' });
    expect(config.scaleFactor).toBeCloseTo(Number(parity.metadata?.scale_factor), 15);
    expect(config.amplitudes[0]).toBe(1);
    expect(config.amplitudes[1]).toBeCloseTo(0.0648339, 6);
  });

  it('samples the official random sample from the same noise maps, scale by scale', () => {
    const before = tf.memory().numTensors;
    const errors: number[] = [];
    for (let s = 0; s < model.scales; s++) {
      const out = model.generate({ sizes: model.config.sizes, n: 1, noise: officialNoise, to: s + 1 });
      errors.push(relativeError(out, `sample.${s}`));
      out.dispose();
    }
    console.log(`SinGAN sample relative error per scale: ${errors.map((e) => e.toExponential(2)).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThanOrEqual(TOLERANCE);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reconstructs the official reconstruction from the fixed noise Zs', () => {
    const before = tf.memory().numTensors;
    const out = model.generate({ sizes: model.config.sizes, n: 1, noise: model.reconstructionNoise() });
    const error = relativeError(out, 'reconstruction.2');
    console.log(`SinGAN reconstruction relative error: ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
    const unit = model.reconstruct();
    const fromSigned = tf.tidy(() => tf.clipByValue(tf.div(tf.add(out, 1), 2), 0, 1));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(unit, fromSigned))).dataSync()[0])).toBe(0);
    tf.dispose([out, unit, fromSigned]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('each generator and the step between scales match the official ones on their own', () => {
    const before = tf.memory().numTensors;
    let worstStep = 0;
    let worstGenerator = 0;
    for (const run of ['sample', 'reconstruction'] as const) {
      for (let s = 1; s < model.scales; s++) {
        // The official imresize step from the official output of the scale below.
        const below = nhwc(`${run}.${s - 1}`);
        const [h, w] = model.config.sizes[s];
        const up = model.upsample(below, h, w);
        worstStep = Math.max(worstStep, relativeError(up, `prev.${run}.${s}`));
        // The generator on the official input.
        const prev = nhwc(`prev.${run}.${s}`);
        const z = run === 'sample' ? officialNoise(s) : tf.zeros([1, h, w, 3]);
        const input = tf.tidy(() => tf.add(tf.mul(z, model.config.amplitudes[s]), prev) as tf.Tensor4D);
        const out = model.net.generators[s].forward(input, prev);
        worstGenerator = Math.max(worstGenerator, relativeError(out, `${run}.${s}`));
        tf.dispose([below, up, prev, z, input, out]);
      }
    }
    console.log(
      `SinGAN alone: step between scales ${worstStep.toExponential(2)}, generators ${worstGenerator.toExponential(2)}`,
    );
    expect(worstStep).toBeLessThanOrEqual(1e-6);
    expect(worstGenerator).toBeLessThanOrEqual(TOLERANCE);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads the per-scale netG.pth state dicts when Gs.pth is absent, and saves and loads', async () => {
    const copy = join(work, 'no-gs');
    await cp(FOLDER, copy, { recursive: true, filter: (src) => !src.endsWith('Gs.pth') });
    const fromStateDicts = await convertSinGAN(torchFilesAt(join(work)), {});
    const a = model.net.stateDict();
    const b = fromStateDicts.net.stateDict();
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const name of Object.keys(a)) expect(b[name].dataSync()).toEqual(a[name].dataSync());
    fromStateDicts.dispose();

    const saved = join(work, 'saved');
    await model.save(saved);
    const loaded = await SinGAN.load(saved);
    expect(loaded.config).toEqual(JSON.parse(JSON.stringify(model.config)));
    const out = loaded.generate({ sizes: loaded.config.sizes, n: 1, noise: loaded.reconstructionNoise() });
    expect(relativeError(out, 'reconstruction.2')).toBeLessThanOrEqual(TOLERANCE);
    out.dispose();
    const samples = loaded.sample({ n: 2, seed: 3, size: '30x20' });
    expect(samples.shape).toEqual([2, 20, 30, 3]);
    samples.dispose();
    loaded.dispose();
  });

  it('infers min_size from the sizes, or takes it', () => {
    const sizes: [number, number][] = [
      [12, 18],
      [14, 21],
      [16, 24],
    ];
    expect(officialScaleFactor(sizes)).toEqual({ scaleFactor: (12 / 16) ** 0.5, minSize: 12 });
    expect(() => officialScaleFactor(sizes, 11)).toThrow(/do not follow the official pyramid with min_size 11/);
    expect(officialScaleFactor([[25, 38]]).scaleFactor).toBe(0.75); // one scale: no step between scales
  });

  it('refuses what it cannot convert, saying why, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const fails = async (folder: string, pattern: RegExp) => {
      const error = await convertSinGAN(torchFilesAt(folder)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(pattern);
    };
    const variant = async (name: string, skip: (src: string) => boolean) => {
      const dir = join(work, name);
      await cp(FOLDER, dir, { recursive: true, filter: (src) => !skip(src) });
      return dir;
    };
    await fails(join(FOLDER, 'Gs.pth'), /is a file; give the official SinGAN folder/);
    await fails(await variant('no-amp', (src) => src.endsWith('NoiseAmp.pth')), /NoiseAmp\.pth" is missing/);
    const missing = await variant('missing', (src) => src.endsWith('Gs.pth'));
    await cp(join(FIXTURES, 'broken', 'netG-1-missing-running-var.pth'), join(missing, '1', 'netG.pth'));
    await fails(missing, /1\/netG\.pth" is missing body\.block2\.norm\.running_var/);
    const sizes = await variant('sizes', () => false);
    await cp(join(FIXTURES, 'broken', 'reals-wrong-sizes.pth'), join(sizes, 'reals.pth'));
    await fails(sizes, /sizes \(12x18, 16x24, 16x24\) do not follow the official pyramid/);
    await fails(join(FIXTURES, 'broken'), /not an official SinGAN folder/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

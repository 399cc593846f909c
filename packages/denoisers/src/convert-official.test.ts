import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointError,
  decodeSafetensors,
  InvalidArgumentError,
  readTorchCheckpoint,
  tf,
  torchFilesAt,
} from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertKadkhodaie, flatDenoiserFromTorch, multiscaleDenoiserFromTorch } from './convert-official.js';
import type { FlatDenoiser } from './flat-denoiser.js';
import { haarStep, inverseHaarStep } from './haar.js';
import type { MultiscaleDenoiser } from './multiscale-denoiser.js';

// Parity with the official code (scripts/parity/kadkhodaie/make_fixtures.py ran the official networks on these
// inputs). Relative error: max |scalespace - official| / max |official|.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kadkhodaie');
const fixture = (...parts: string[]) => join(FIXTURES, ...parts);
const FLAT_RF13 = fixture('official', 'flat', 'noise_range_0to255_RF_13x13', 'model.pt');
const SCALE0_RF13 = fixture('official', 'multi_scale_160', 'noise_range_0to255_RF_13x13_scale_0', 'model.pt');
const TOLERANCE = 1e-4;

const reference = decodeSafetensors(readFileSync(fixture('parity.safetensors'))).tensors;

/** A fixture array ([H, W] or [C, H, W]) as an NHWC batch of one. */
function nhwc(name: string): tf.Tensor4D {
  const { values, shape } = reference[name];
  return tf.tidy(() => {
    const t = tf.tensor(values, shape, 'float32');
    return (shape.length === 2 ? t.reshape([1, ...shape, 1]) : tf.transpose(t, [1, 2, 0]).expandDims(0)) as tf.Tensor4D;
  });
}

function relativeError(got: tf.Tensor, name: string): number {
  const want = nhwc(name);
  try {
    return tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] / tf.max(tf.abs(want)).dataSync()[0]);
  } finally {
    want.dispose();
  }
}

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('official Kadkhodaie denoisers through readTorchCheckpoint and the converter', () => {
  it('the flat RF 13 net gives the official noise estimate and denoised image', async () => {
    const before = tf.memory().numTensors;
    const model = flatDenoiserFromTorch(await readTorchCheckpoint(FLAT_RF13, { stripModulePrefix: true }));
    expect(model.config.net).toEqual({ depth: 21, width: 64, rf: 13, linearFirstLayer: true });
    const noisy = nhwc('flat13.noisy');
    const residual = model.residual(noisy);
    const { image } = await model.denoise(noisy);
    const errors = [relativeError(residual, 'flat13.output'), relativeError(image, 'flat13.denoised')];
    console.log(
      `flat RF 13 relative error: output ${errors[0].toExponential(2)}, denoised ${errors[1].toExponential(2)}`,
    );
    for (const e of errors) expect(e).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose([noisy, residual, image]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the multi-scale RF 13 scale-0 conditional net gives the official detail noise and reconstruction', async () => {
    const before = tf.memory().numTensors;
    // The real conditional net with the tiny set's low-pass net (the official one is not shipped: 2.7 MB).
    const low = await readTorchCheckpoint(fixture('tiny-set', 'noise_range_0to255_RF_40x40_low', 'model.pt'));
    const cond = await readTorchCheckpoint(SCALE0_RF13);
    const model = multiscaleDenoiserFromTorch(low, [cond]);
    expect(model.config.conditional).toEqual({ depth: 21, width: 64, rf: 13, linearFirstLayer: true });
    const clean = nhwc('image');
    const noisy = nhwc('flat13.noisy');
    const cleanBands = haarStep(clean);
    const noisyBands = haarStep(noisy);
    // scalespace's Haar step is the official decomposition: same bands, same order (pywt h, v, d), same scale.
    const officialClean = tf.concat([cleanBands.low, cleanBands.details], 3);
    const officialNoisy = tf.concat([noisyBands.low, noisyBands.details], 3);
    expect(relativeError(officialClean, 'cond13.clean_bands')).toBeLessThan(1e-6);
    expect(relativeError(officialNoisy, 'cond13.noisy_bands')).toBeLessThan(1e-6);
    const residual = model.conditionalResidual(0, cleanBands.low, noisyBands.details);
    const denoised = tf.sub(noisyBands.details, residual) as tf.Tensor4D;
    const image = inverseHaarStep(cleanBands.low, denoised);
    const errors = [
      relativeError(residual, 'cond13.output'),
      relativeError(denoised, 'cond13.denoised_bands'),
      relativeError(image, 'cond13.image'),
    ];
    console.log(`conditional RF 13 scale 0 relative error: ${errors.map((e) => e.toExponential(2)).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose([clean, noisy, officialClean, officialNoisy, residual, denoised, image]);
    tf.dispose([cleanBands.low, cleanBands.details, noisyBands.low, noisyBands.details]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a multi-scale set folder (--rf 9, legacy low-pass file) denoises as the official multi_scale_denoising', async () => {
    const model = (await convertKadkhodaie(torchFilesAt(fixture('tiny-set')), { rf: 9 })) as MultiscaleDenoiser;
    expect(model.config).toMatchObject({ kind: 'multiscale', levels: 2, conditionalOutput: 'noise' });
    expect(model.config.lowpass).toEqual({ depth: 20, width: 8, rf: 41, linearFirstLayer: true });
    // The official RF 9 layout: 3x3 layers at 0, 8, 16 and 20 (its formula runs with RF 8).
    expect(model.conditionals[0].kernelSizes.flatMap((k, i) => (k === 3 ? [i] : []))).toEqual([0, 8, 16, 20]);
    const noisy = nhwc('tinyset9.noisy');
    const { image } = await model.denoise(noisy);
    const error = relativeError(image, 'tinyset9.denoised');
    console.log(`tiny multi-scale set (RF 9, random weights) denoised image relative error: ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose([noisy, image]);
    model.dispose();
  });

  it('a folder of flat nets picks one by --rf and keeps the official RF 9 layout', async () => {
    const model = (await convertKadkhodaie(torchFilesAt(fixture('tiny-flat')), { rf: 9 })) as FlatDenoiser;
    expect(model.config.net.kernelSizes?.flatMap((k, i) => (k === 3 ? [i] : []))).toEqual([0, 8, 16, 20]);
    const noisy = nhwc('tinyset9.noisy');
    const residual = model.residual(noisy);
    const error = relativeError(residual, 'tinyflat9.output');
    console.log(`tiny flat RF 9 (random weights) output relative error: ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
    tf.dispose([noisy, residual]);
    model.dispose();
  });

  it('refuses what it cannot convert, saying why', async () => {
    const fails = async (promise: Promise<unknown>, type: typeof CheckpointError, pattern: RegExp) => {
      const error = await promise.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(pattern);
    };
    const before = tf.memory().numTensors;
    const at = (...p: string[]) => torchFilesAt(fixture(...p));
    await fails(convertKadkhodaie(at('broken', 'missing-bn.pt')), CheckpointError, /missing BN_layers\.7\.running_sd/);
    await fails(
      convertKadkhodaie(at('broken', 'wrong-shape.pt')),
      CheckpointError,
      /conv_layers\.3\.weight has shape \[4,5,1,1\], expected \[8, 8, k, k\]/,
    );
    await fails(convertKadkhodaie(at('broken', 'not-kadkhodaie.pt')), CheckpointError, /not a Kadkhodaie denoiser/);
    await fails(convertKadkhodaie(torchFilesAt(SCALE0_RF13)), CheckpointError, /conditional .* convert the folder/);
    await fails(convertKadkhodaie(at('tiny-set')), InvalidArgumentError, /RF 5, 9: pick one with rf/);
    await fails(convertKadkhodaie(at('tiny-set'), { rf: 13 }), InvalidArgumentError, /no RF 13 networks/);
    await fails(
      convertKadkhodaie(at('tiny-flat', 'noise_range_0to255_RF_5x5'), { rf: 9 }),
      InvalidArgumentError,
      /RF 5 network, not rf 9/,
    );
    await fails(convertKadkhodaie(at('broken')), CheckpointError, /not an official Kadkhodaie layout/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

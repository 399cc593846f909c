import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, decodeSafetensors, tf, torchFilesAt } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertPixelCNN, officialMixtureOrder } from './convert-official.js';
import type { AutoregressiveModel } from './model-io.js';
import type { PixelCNN } from './pixelcnn.js';

// Parity with visinf/pixelpyramids' PixelCNN++ (scripts/parity/pixelcnn/make_fixtures.py ran the official networks
// with random weights and its discretized_mix_logistic_loss on two 8x8 images each). Relative error:
// max |scalespace - official| / max |official|.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'pixelcnn');
const reference = decodeSafetensors(readFileSync(join(FIXTURES, 'parity.safetensors'))).tensors;

function images(name: string): tf.Tensor4D {
  const { values, shape } = reference[`${name}.images`];
  return tf.tensor4d(values as Int32Array, shape as [number, number, number, number], 'int32');
}

/** The official output [N, P, H, W] in core's parameter order, [N, H, W, P']. */
function officialParams(name: string, model: AutoregressiveModel): tf.Tensor4D {
  const { values, shape } = reference[`${name}.output`];
  const { components } = (model.module as PixelCNN).config;
  const order = officialMixtureOrder(model.channels, components);
  return tf.tidy(
    () => tf.gather(tf.transpose(tf.tensor(values, shape, 'float32'), [0, 2, 3, 1]), order, 3) as tf.Tensor4D,
  );
}

/** Checks the converted network's outputs and bits/dim on a fixture batch against the official ones. */
function expectParity(name: string, model: AutoregressiveModel, title: string) {
  const x = images(name);
  const params = (model.module as PixelCNN).params(x);
  const want = officialParams(name, model);
  const error = tf.tidy(() => tf.max(tf.abs(tf.sub(params, want))).dataSync()[0] / tf.max(tf.abs(want)).dataSync()[0]);
  const logProb = model.logProb(x);
  const nll = Array.from(logProb.dataSync(), (v) => -v);
  tf.dispose([x, params, want, logProb]);
  const dims = model.height * model.width * model.channels;
  const bpd = nll.reduce((a, b) => a + b, 0) / (nll.length * dims * Math.LN2);
  const officialBpd = reference[`${name}.bpd`].values[0];
  const officialNll = reference[`${name}.nll`].values;
  console.log(
    `${title}: output relative error ${error.toExponential(2)}, bits/dim ${bpd.toFixed(6)} vs official ${officialBpd.toFixed(6)}`,
  );
  expect(error).toBeLessThanOrEqual(1e-4);
  expect(Math.abs(bpd - officialBpd)).toBeLessThanOrEqual(1e-3);
  for (const [i, v] of nll.entries()) expect(Math.abs(v - officialNll[i]) / officialNll[i]).toBeLessThan(1e-4);
}

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('official PixelCNN++ (visinf/pixelpyramids) through readTorchCheckpoint and convertPixelCNN', () => {
  it('PixelCNNpp (RGB, 2 resolutions, 8 bits) in main.py layout: outputs and bits/dim', async () => {
    const before = tf.memory().numTensors;
    const model = await convertPixelCNN(torchFilesAt(join(FIXTURES, 'pixelcnnpp.pt')), {
      bits: 8,
      height: 8,
      width: 8,
    });
    expect((model.module as PixelCNN).config).toMatchObject({
      channels: 3,
      filters: 16,
      resnets: 1,
      components: 10,
      unet: { resolutions: 2, downUlInput: 'u' },
    });
    expectParity('rgb', model, 'PixelCNNpp RGB');
    model.module.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('DeepPixelCNNpp (grey, 3 resolutions, 5 bits, DataParallel, legacy format): outputs and bits/dim', async () => {
    const before = tf.memory().numTensors;
    const model = await convertPixelCNN(torchFilesAt(join(FIXTURES, 'deep-grey.pt')), { bits: 5, height: 8, width: 8 });
    expect((model.module as PixelCNN).config).toMatchObject({
      channels: 1,
      bits: 5,
      filters: 8,
      components: 10,
      unet: { resolutions: 3, downUlInput: 'u' },
    });
    expectParity('grey', model, 'DeepPixelCNNpp grey');
    // The U-Net needs sizes its resolutions divide.
    const odd = tf.zeros([1, 6, 8, 1], 'int32');
    expect(() => (model.module as PixelCNN).params(odd)).toThrow(/not divisible by 4/);
    odd.dispose();
    model.module.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('samples stay causal: a pixel never depends on later ones', async () => {
    const model = await convertPixelCNN(torchFilesAt(join(FIXTURES, 'deep-grey.pt')), { bits: 5, height: 8, width: 8 });
    const net = model.module as PixelCNN;
    const x = images('grey');
    // Change the pixel at (3, 5): only parameters at later raster positions may change.
    const changed = tf.tidy(() =>
      tf.add(
        x,
        tf
          .oneHot(tf.tensor1d([3 * 8 + 5], 'int32'), 64)
          .reshape([1, 8, 8, 1])
          .cast('int32'),
      ),
    );
    const a = net.params(x);
    const b = net.params(changed);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b)), [0, 3]).dataSync());
    for (let p = 0; p < 64; p++) if (p <= 3 * 8 + 5) expect(diff[p]).toBe(0);
    expect(Math.max(...diff)).toBeGreaterThan(0);
    tf.dispose([x, changed, a, b]);
    model.module.dispose();
  });

  it('refuses what it cannot convert, saying why', async () => {
    const before = tf.memory().numTensors;
    const fails = async (file: string, pattern: RegExp) => {
      const error = await convertPixelCNN(torchFilesAt(join(FIXTURES, file)), { bits: 8 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(pattern);
    };
    await fails('broken/missing-tensor.pt', /missing down_ul_modules\.2\.c1c\.weight_v/);
    await fails('broken/conditional.pt', /class-conditional/);
    await fails('broken/not-pixelcnn.pt', /not a PixelCNN\+\+ state dict/);
    await fails('broken', /is a folder/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

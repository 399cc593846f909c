import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HostTensor, loadTensors, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  convertOfficialStateDict,
  type OfficialHps,
  officialMixtureChannelOrder,
  vdvaeConfigFromOfficial,
} from './convert-official.js';
import { Vdvae } from './vdvae.js';

// fixtures/official-vdvae.safetensors is written by fixtures/make-official-fixture.py: a synthetic state
// dict in the official PyTorch layout and the official forward pass's KL per group and reconstruction
// NLL, computed in NumPy for given posterior noise.
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'official-vdvae.safetensors');

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('official checkpoint conversion', () => {
  it('a converted synthetic official state dict loads strictly and reproduces the official ELBO terms', async () => {
    const { tensors, metadata } = await loadTensors(FIXTURE);
    const hps = JSON.parse(metadata.hps) as OfficialHps;
    const config = vdvaeConfigFromOfficial(hps);
    const official: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(tensors)) if (/^(encoder|decoder)\./.test(name)) official[name] = t;
    const model = new Vdvae(config, { seed: 5 });
    const converted = convertOfficialStateDict(official, config);
    model.loadStateDict(converted); // strict: every name and shape must match
    tf.dispose(Object.values(converted));
    const before = tf.memory().numTensors;
    const x = tf.tidy(() => {
      const t = tensors.input_uint8;
      return tf.div(tf.tensor(t.values, t.shape, 'float32'), 255) as tf.Tensor4D;
    });
    const noise = Array.from({ length: model.groups }, (_, i) => {
      const e = tensors[`eps.${i}`];
      return tf.tidy(() => tf.transpose(tf.tensor(e.values, e.shape, 'float32'), [0, 2, 3, 1]));
    });
    const terms = model.elboTerms(x, { noise });
    const dims = model.dims;
    const expectedKl = tensors['expected.kl'];
    const n = x.shape[0];
    const kl = Array.from(terms.kl.dataSync());
    for (let g = 0; g < model.groups; g++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += expectedKl.values[g * n + i] / n / dims;
      expect(kl[g]).toBeCloseTo(mean, 5);
      expect(Math.abs(kl[g] - mean) / mean).toBeLessThan(1e-3);
    }
    const distortion = Array.from(tensors['expected.distortion'].values).reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(terms.distortion.dataSync()[0] - distortion) / distortion).toBeLessThan(1e-4);
    tf.dispose([terms.loss, terms.distortion, terms.kl, x, ...noise]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('orders the mixture head channels as core expects', () => {
    // K = 1, RGB: official [logit | m0 s0 c0 | m1 s1 c1 | m2 s2 c2] -> [logit | m0 m1 m2 | s0 s1 s2 | c0 c1 c2].
    expect(officialMixtureChannelOrder(3, 1)).toEqual([0, 1, 4, 7, 2, 5, 8, 3, 6, 9]);
    expect(officialMixtureChannelOrder(3, 2)).toHaveLength(20);
    expect(new Set(officialMixtureChannelOrder(3, 4)).size).toBe(40);
  });
});

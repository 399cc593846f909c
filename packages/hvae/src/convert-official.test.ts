import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointError,
  decodeSafetensors,
  readTorchCheckpoint,
  rng,
  type TorchCheckpoint,
  tf,
  torchFilesAt,
} from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertVDVAE, officialMixtureChannelOrder, vdvaeFromTorch } from './convert-official.js';
import type { ChooseLatent } from './decoder.js';
import type { OfficialHps } from './official-hps.js';
import type { VDVAE } from './vdvae.js';

// Parity with the official VD-VAE (scripts/parity/vdvae/make_fixtures.py ran openai/vdvae's vae.py on a tiny
// configuration with random weights). Network outputs: relative error max |scalespace - official| / max |official|;
// likelihoods: absolute error in bits/dim.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'vdvae');
const ZIP = join(FIXTURES, 'tiny-model-ema.th');
const LEGACY = join(FIXTURES, 'tiny-model-ema-legacy.th');
const TINY: OfficialHps = JSON.parse(readFileSync(join(FIXTURES, 'tiny-hps.json'), 'utf8'));
const reference = decodeSafetensors(readFileSync(join(FIXTURES, 'parity.safetensors'))).tensors;
const OUTPUT_TOLERANCE = 1e-4;
const BPD_TOLERANCE = 1e-3;

/** A fixture tensor; NCHW ones ([N, C, H, W]) come back NHWC. */
function fixture(name: string, nchw = false): tf.Tensor {
  const { values, shape } = reference[name];
  return tf.tidy(() => {
    const t = tf.tensor(Array.from(values), shape, 'float32');
    return nchw ? tf.transpose(t, [0, 2, 3, 1]) : t;
  });
}

/** The official output head's channels in scalespace's order. */
function officialParams(name: string, components: number): tf.Tensor {
  const order = officialMixtureChannelOrder(3, components);
  return tf.tidy(() => tf.gather(fixture(name), tf.tensor1d(order, 'int32'), 3));
}

function relativeError(got: tf.Tensor, want: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] / tf.max(tf.abs(want)).dataSync()[0]);
}

/** Fixture tensors `${prefix}.${i}` by group, NHWC (undefined for groups without one). */
function byGroup(prefix: string, groups: number): tf.Tensor[] {
  return Array.from({ length: groups }, (_, i) =>
    reference[`${prefix}.${i}`] ? fixture(`${prefix}.${i}`, true) : undefined,
  ) as tf.Tensor[];
}

let zip: TorchCheckpoint;
beforeAll(async () => {
  await tf.setBackend('wasm');
  zip = await readTorchCheckpoint(ZIP);
});

/** The official training-loss pass: every group's KL, the distortion and the ELBO, and the output head. */
function elboParity(model: VDVAE, dataset: string) {
  const before = tf.memory().numTensors;
  const x = tf.tidy(() => tf.div(fixture('input'), 255) as tf.Tensor4D);
  const noise = byGroup(`${dataset}.eps`, model.groups);
  const terms = model.elboTerms(x, { noise });
  // The reconstruction's mixture parameters: posterior draws with the same noise.
  const params = tf.tidy(() => {
    const acts = model.encoder.forward(model.normalize(x));
    const choose: ChooseLatent = (ctx) => {
      const q = ctx.block.posterior(ctx.x, acts[ctx.block.base]);
      return tf.add(q.mean, tf.mul(tf.exp(q.logStd), noise[ctx.index])) as tf.Tensor4D;
    };
    return model.decoder.run(2, choose).params as tf.Tensor4D;
  });
  const want = officialParams(`${dataset}.params`, model.config.numMixtures);
  const paramsError = relativeError(params, want);
  const dims = model.dims;
  const officialKl = reference[`${dataset}.kl`].values; // [groups, 2] nats per image
  const kl = Array.from(terms.kl.dataSync());
  const klErrors = kl.map((v, g) => {
    const official = (officialKl[2 * g] + officialKl[2 * g + 1]) / 2 / dims;
    return Math.abs(v - official) / official;
  });
  const mean = (name: string) => Array.from(reference[name].values).reduce((a, b) => a + b, 0) / 2;
  const bpd = (nats: number) => nats / Math.LN2;
  const errors = {
    params: paramsError,
    klMaxRelative: Math.max(...klErrors),
    elboBpd: Math.abs(bpd(terms.loss.dataSync()[0]) - bpd(reference[`${dataset}.elbo`].values[0])),
    distortionBpd: Math.abs(bpd(terms.distortion.dataSync()[0]) - bpd(mean(`${dataset}.distortion`))),
    rateBpd: Math.abs(bpd(kl.reduce((a, b) => a + b, 0)) - bpd(mean(`${dataset}.rate`))),
    elbo: bpd(reference[`${dataset}.elbo`].values[0]),
  };
  tf.dispose([x, ...noise, terms.loss, terms.distortion, terms.kl, params, want]);
  expect(tf.memory().numTensors).toBe(before);
  return errors;
}

describe('official VD-VAE checkpoints through readTorchCheckpoint and the converter', () => {
  it.each(['cifar10', 'ffhq_256', 'ffhq_1024'])(
    'reproduces the official KL per group, ELBO and output head with the %s preprocessing',
    (dataset) => {
      const model = vdvaeFromTorch(zip, { ...TINY, dataset });
      expect(model.config.quantization).toBe(dataset === 'ffhq_256' ? 'truncate' : 'rescale');
      const e = elboParity(model, dataset);
      console.log(
        `VD-VAE ${dataset}: official ELBO ${e.elbo.toFixed(4)} bits/dim; |error| ELBO ${e.elboBpd.toExponential(2)}, ` +
          `distortion ${e.distortionBpd.toExponential(2)}, rate ${e.rateBpd.toExponential(2)} bits/dim; ` +
          `KL per group max relative ${e.klMaxRelative.toExponential(2)}; output head relative ${e.params.toExponential(2)}`,
      );
      expect(e.params).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
      expect(e.klMaxRelative).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
      for (const v of [e.elboBpd, e.distortionBpd, e.rateBpd]) expect(v).toBeLessThanOrEqual(BPD_TOLERANCE);
      model.dispose();
    },
  );

  it('decodes fixed latents at temperature 1 and 0.5, and samples the prior at per-group temperatures, as the official code', () => {
    const model = vdvaeFromTorch(zip, TINY);
    const before = tf.memory().numTensors;
    const errors: string[] = [];
    const fixed = byGroup('fixed.z', 3);
    for (const t of [1, 0.5]) {
      const noise = byGroup(`fixed_t${t}.eps`, model.groups);
      const { params, latents } = model.decodeLatents(2, { latents: fixed, temperature: t, rng: rng(0), noise });
      const want = officialParams(`fixed_t${t}.params`, model.config.numMixtures);
      const e = relativeError(params, want);
      errors.push(`t = ${t}: ${e.toExponential(2)}`);
      expect(e).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
      tf.dispose([params, ...latents, want, ...noise]);
    }
    const temperature = Array.from(reference['uncond.temperature'].values);
    const noise = byGroup('uncond.eps', model.groups);
    const { params, latents } = model.decodeLatents(2, { temperature, rng: rng(0), noise });
    const want = officialParams('uncond.params', model.config.numMixtures);
    const e = relativeError(params, want);
    errors.push(`prior at t = ${temperature.map((v) => v.toFixed(1)).join('/')}: ${e.toExponential(2)}`);
    expect(e).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
    console.log(`VD-VAE output head from fixed latents, relative error: ${errors.join('; ')}`);
    tf.dispose([params, ...latents, want, ...noise, ...fixed]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a 5-bit ffhq_256 model keeps the top 5 bits of 8-bit pixels, as data.py, and decodes onto their grid', () => {
    const model = vdvaeFromTorch(zip, { ...TINY, dataset: 'ffhq_256' });
    const before = tf.memory().numTensors;
    const v = [0, 7, 8, 100, 247, 248, 250, 255];
    const x = tf.tensor4d(
      v.flatMap((p) => [p, p, p]).map((p) => p / 255),
      [1, 1, 8, 3],
    );
    const k = model.quantize(x);
    expect(Array.from(k.dataSync()).filter((_, i) => i % 3 === 0)).toEqual(v.map((p) => Math.floor(p / 8)));
    const images = model.sample({ n: 2, seed: 3 });
    const grid = Array.from(images.dataSync()).map((p) => (p * 255) / 8);
    for (const g of grid) expect(Math.abs(g - Math.round(g))).toBeLessThan(1e-4);
    expect(Math.max(...grid)).toBeLessThanOrEqual(31 + 1e-4);
    tf.dispose([x, k, images]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('reads the legacy-format file saved from DataParallel into the same network', async () => {
    const legacy = await readTorchCheckpoint(LEGACY);
    expect(legacy.format).toBe('legacy');
    expect(Object.keys(legacy.tensors)[0]).toMatch(/^module\./);
    const a = vdvaeFromTorch(zip, TINY);
    const b = await convertVDVAE(torchFilesAt(LEGACY), { hps: TINY });
    const sa = a.stateDict();
    const sb = b.stateDict();
    for (const [name, t] of Object.entries(sa)) expect(tf.equal(t, sb[name]).all().dataSync()[0], name).toBe(1);
    a.dispose();
    b.dispose();
  });

  it('gives one clear error for the wrong family, hyper-parameters, a missing or extra tensor and a wrong shape', () => {
    const before = tf.memory().numTensors;
    const { 'decoder.gain': _gain, ...withoutGain } = zip.tensors;
    const c2 = zip.tensors['decoder.dec_blocks.1.resnet.c2.weight'];
    const cases: [TorchCheckpoint, string | OfficialHps, RegExp][] = [
      [{ ...zip, tensors: { 'conv_layers.0.weight': c2 } }, TINY, /not an official VD-VAE state dict.*check --from/],
      [
        zip,
        'cifar10',
        /in_conv\.weight has shape \[16,3,3,3\], the network of --hps cifar10 needs \[384,3,3,3\] \(width 384\)/,
      ],
      [
        zip,
        { ...TINY, dec_blocks: '1x2,2m1,2x1,4m2,4x1,8m4,8x1' },
        /has 7 decoder blocks, the network of the given hps has 8/,
      ],
      [{ ...zip, tensors: withoutGain }, TINY, /has no decoder\.gain \[1,16,1,1\].*check --hps/],
      [
        { ...zip, tensors: { ...zip.tensors, 'decoder.extra': c2 } },
        TINY,
        /has tensors the network .* does not: decoder\.extra/,
      ],
      [
        {
          ...zip,
          tensors: { ...zip.tensors, 'decoder.dec_blocks.1.resnet.c2.weight': { ...c2, shape: [2, 8, 1, 1] } },
        },
        TINY,
        /decoder\.dec_blocks\.1\.resnet\.c2\.weight has shape \[2,8,1,1\], .* needs \[6,6,1,1\]/,
      ],
    ];
    for (const [checkpoint, hps, message] of cases) {
      expect(() => vdvaeFromTorch(checkpoint, hps)).toThrow(CheckpointError);
      expect(() => vdvaeFromTorch(checkpoint, hps)).toThrow(message);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

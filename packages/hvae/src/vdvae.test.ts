import { gaussianKl, gaussianLogProb, logisticMixtureLogProb, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeLatents } from './latents.js';
import { allTinyImages, perturb, SMALL, TINY } from './test-helpers.js';
import { VDVAE } from './vdvae.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('VDVAE', () => {
  it('the analytic KL of the Gaussian heads matches a Monte Carlo estimate', () => {
    const model = perturb(new VDVAE(SMALL, { seed: 1 }), 2, 0.2);
    const x = rng(3).uniformTensor([2, 8, 8, 1]);
    const before = tf.memory().numTensors;
    const groups = model.encode(x, { seed: 4 });
    const r = rng(5);
    for (const g of groups) {
      const analytic = tf.tidy(() => tf.sum(gaussianKl(g.qMean, g.qLogStd, g.pMean, g.pLogStd)).dataSync()[0]);
      // E_q[log q(z) - log p(z)] with 4000 draws of z ~ q, summed over the group's elements and images.
      const samples = 4000;
      const mc = tf.tidy(() => {
        const shape = [samples, ...g.qMean.shape];
        const z = tf.add(g.qMean, tf.mul(tf.exp(g.qLogStd), r.normalTensor(shape)));
        const diff = tf.sub(gaussianLogProb(z, g.qMean, g.qLogStd), gaussianLogProb(z, g.pMean, g.pLogStd));
        const perSample = tf.sum(tf.reshape(diff, [samples, -1]), 1);
        const mean = tf.mean(perSample);
        const sd = tf.sqrt(tf.mean(tf.square(tf.sub(perSample, mean))));
        return [mean.dataSync()[0], sd.dataSync()[0]];
      });
      const stderr = mc[1] / Math.sqrt(samples);
      expect(Math.abs(analytic - mc[0])).toBeLessThan(4 * stderr + 1e-4);
      expect(analytic).toBeGreaterThan(0);
    }
    disposeLatents(groups);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('the ELBO never exceeds the exact log-likelihood of a tiny model (2-D quadrature)', async () => {
    const model = perturb(new VDVAE(TINY, { seed: 7 }), 8, 0.5);
    const all = allTinyImages();
    const before = tf.memory().numTensors;
    // p(x) = E_{u ~ N(0, I)} p(x | z(u)), z_i = p_mean_i + p_std_i u_i: a 2-D integral over (u1, u2) on a grid,
    // at two resolutions to show the quadrature has converged.
    const quadrature = (side: number) => {
      const step = 14 / (side - 1);
      const u = Array.from({ length: side }, (_, i) => -7 + i * step);
      const u1 = tf.tensor4d(
        u.flatMap((a) => u.map(() => a)),
        [side * side, 1, 1, 1],
      );
      const u2 = tf.tensor4d(
        u.flatMap(() => u),
        [side * side, 1, 1, 1],
      );
      const weight = u.flatMap((a) => u.map((b) => (Math.exp(-(a * a + b * b) / 2) / (2 * Math.PI)) * step * step));
      const { params, latents } = model.decodeLatents(side * side, {
        rng: rng(0),
        choose: (ctx) => tf.add(ctx.pMean, tf.mul(tf.exp(ctx.pLogStd), ctx.index === 0 ? u1 : u2)) as tf.Tensor4D,
      });
      const p: number[] = [];
      for (let k = 0; k < 8; k++) {
        const logp = tf.tidy(() =>
          logisticMixtureLogProb(params, tf.fill([side * side, 1, 1, 1], k), { bits: 3, components: 2, channels: 1 }),
        );
        const values = Array.from(logp.dataSync() as Float32Array);
        p.push(values.reduce((s, v, i) => s + Math.exp(v) * weight[i], 0));
        logp.dispose();
      }
      tf.dispose([params, ...latents, u1, u2]);
      return p;
    };
    const exact = quadrature(401);
    const coarse = quadrature(201);
    for (let k = 0; k < 8; k++) expect(Math.abs(Math.log2(exact[k] / coarse[k]))).toBeLessThan(0.01);
    expect(exact.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(Math.min(...exact)).toBeGreaterThan(1e-4);
    for (let k = 0; k < 8; k++) {
      const nllBits = -Math.log2(exact[k]);
      const xk = tf.tidy(() => tf.tile(tf.slice(all, [k, 0, 0, 0], [1, -1, -1, -1]), [4000, 1, 1, 1]));
      const negElbo = (await model.elbo(xk, { seed: k })).bitsPerDim;
      const one = tf.slice(all, [k, 0, 0, 0], [1, -1, -1, -1]);
      const [iwae] = await model.importanceNll(one, { samples: 2000, seed: k, batch: 2000 });
      one.dispose();
      if (process.env.HVAE_DEBUG) console.log(k, nllBits, iwae, negElbo);
      expect(negElbo).toBeGreaterThan(nllBits);
      // The importance-weighted bound is tighter than the ELBO (its single estimates are too noisy to compare with the NLL).
      expect(iwae).toBeLessThan(negElbo);
      xk.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    all.dispose();
    model.dispose();
  });

  it('reports reconstruction and per-group KL that add up to the bits/dim', async () => {
    const model = perturb(new VDVAE(SMALL, { seed: 1 }), 3, 0.2);
    const x = rng(3).uniformTensor([3, 8, 8, 1]);
    const r = await model.elbo(x, { seed: 1 });
    expect(r.klPerGroupBpd).toHaveLength(4);
    expect(r.klPerGroupBpd.every((v) => v > 0)).toBe(true);
    expect(r.reconstructionBpd + r.klPerGroupBpd.reduce((a, b) => a + b, 0)).toBeCloseTo(r.bitsPerDim, 4);
    expect(r.klBpd).toBeCloseTo(r.bitsPerDim - r.reconstructionBpd, 4);
    x.dispose();
    model.dispose();
  });

  it('fixed-latent sampling keeps the fixed groups and draws the rest', () => {
    const model = perturb(new VDVAE(SMALL, { seed: 1 }), 4, 0.2);
    const x = rng(3).uniformTensor([2, 8, 8, 1]);
    const groups = model.encode(x, { seed: 2 });
    const before = tf.memory().numTensors;
    const fixed = groups.slice(0, 2).map((g) => g.z);
    const a = model.decodeLatents(2, { latents: fixed, temperature: 1, rng: rng(10) });
    const b = model.decodeLatents(2, { latents: fixed, temperature: 1, rng: rng(11) });
    for (let i = 0; i < 4; i++) {
      const same = tf.tidy(() => tf.max(tf.abs(tf.sub(a.latents[i], b.latents[i]))).dataSync()[0]);
      if (i < 2) {
        expect(same).toBe(0);
        expect(Array.from(a.latents[i].dataSync())).toEqual(Array.from(fixed[i].dataSync()));
      } else expect(same).toBeGreaterThan(1e-3);
    }
    tf.dispose([a.params, b.params, ...a.latents, ...b.latents]);
    // Broadcasting a single fixed code to n samples.
    const one = fixed.map((z) => tf.slice(z, [0, 0, 0, 0], [1, -1, -1, -1]));
    const s = model.sampleGivenLatents(one, { n: 5, temperature: 0.8, seed: 3 });
    expect(s.shape).toEqual([5, 8, 8, 1]);
    tf.dispose([s, ...one]);
    expect(tf.memory().numTensors).toBe(before);
    disposeLatents(groups);
    x.dispose();
    model.dispose();
  });

  it('temperature 0 is deterministic and per-group temperatures are honoured', () => {
    const model = perturb(new VDVAE(SMALL, { seed: 1 }), 5, 0.2);
    const before = tf.memory().numTensors;
    const a = model.sample({ n: 3, temperature: 0, seed: 1 });
    const b = model.sample({ n: 3, temperature: 0, seed: 99 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const c = model.sample({ n: 3, temperature: [0, 0, 0, 0], seed: 5 });
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    const d = model.sample({ n: 3, temperature: [0, 0, 0, 1], seed: 5, output: 'mode' });
    expect(Array.from(d.dataSync())).not.toEqual(Array.from(a.dataSync()));
    const e = model.sample({ n: 3, temperature: 0.7, seed: 5 });
    const f = model.sample({ n: 3, temperature: 0.7, seed: 5 });
    expect(Array.from(e.dataSync())).toEqual(Array.from(f.dataSync()));
    tf.dispose([a, b, c, d, e, f]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.sample({ n: 1, temperature: [1, 1] })).toThrow(/4 latent groups/);
    expect(() => model.sample({ n: 1, temperature: -1 })).toThrow(/>= 0/);
    model.dispose();
  });

  it('building and disposing a model leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    new VDVAE(SMALL, { seed: 1 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reconstructs at temperature 0 deterministically and validates images', async () => {
    const model = perturb(new VDVAE(SMALL, { seed: 1 }), 6, 0.2);
    const x = rng(3).uniformTensor([2, 8, 8, 1]);
    const a = model.reconstruct(x, { temperature: 0, seed: 1 });
    const b = model.reconstruct(x, { temperature: 0, seed: 2 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    const wrong = tf.zeros([1, 8, 8, 3]);
    await expect(model.elbo(wrong)).rejects.toThrow(/expected \[N, 8, 8, 1\]/);
    tf.dispose([x, wrong]);
    model.dispose();
  });
});

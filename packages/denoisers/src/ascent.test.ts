import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ascentSample, ascentStepSize, predictAscentSteps } from './ascent.js';
import { GaussianDenoiser } from './gaussian-denoiser.js';

// Gaussian data x ~ N(mu, U diag(lambda) U^T) on 8x8 grey images, U the 2-D DCT and lambda a 1/f^2-like
// spectrum: the optimal denoiser is known in closed form, so Algorithm 1 with it must draw samples whose
// mean and covariance are mu and Sigma.
const H = 8;
const D = H * H;

function dctBasis(): Float32Array {
  const c = (k: number, i: number) =>
    (k === 0 ? Math.sqrt(1 / H) : Math.sqrt(2 / H)) * Math.cos((Math.PI * (2 * i + 1) * k) / (2 * H));
  const basis = new Float32Array(D * D);
  for (let u = 0; u < H; u++)
    for (let v = 0; v < H; v++)
      for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) basis[(i * H + j) * D + u * H + v] = c(u, i) * c(v, j);
  return basis;
}
const lambda = Array.from({ length: D }, (_, k) => 0.04 / (1 + Math.floor(k / H) ** 2 + (k % H) ** 2));

/** Whitened covariance error ||L^-1/2 U^T C U L^-1/2 - I||_F / sqrt(D), the mean's error and per-direction variance ratios. */
function moments(samples: tf.Tensor, basis: tf.Tensor2D, mean: tf.Tensor, variances = lambda) {
  return tf.tidy(() => {
    const n = samples.shape[0] as number;
    const x = tf.reshape(samples, [n, D]);
    const m = tf.mean(x, 0);
    const coefficients = tf.div(tf.matMul(tf.sub(x, m), basis), tf.sqrt(tf.tensor1d(variances)));
    const whitened = tf.div(tf.matMul(coefficients, coefficients, true, false), n);
    const covError = tf.norm(tf.sub(whitened, tf.eye(D))).dataSync()[0] / Math.sqrt(D);
    const ratios = Array.from(tf.sum(tf.mul(whitened, tf.eye(D)), 1).dataSync());
    const meanError = tf.norm(tf.sub(m, tf.reshape(mean, [D]))).dataSync()[0] / Math.sqrt(D);
    return { covError, ratios, meanError };
  });
}

describe('Algorithm 1 on Gaussian data (closed-form optimal denoiser)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('draws samples with the data mean and covariance', async () => {
    const before = tf.memory().numTensors;
    const basis = tf.tensor2d(dctBasis(), [D, D]);
    const mean = tf.tidy(() => tf.reshape(tf.linspace(0.3, 0.7, D), [H, H, 1])) as tf.Tensor3D;
    const denoiser = new GaussianDenoiser({ mean, basis, variances: lambda });
    const n = 1000;
    const { sample, steps, evaluations, converged } = await ascentSample(denoiser.residual, [n, H, H, 1], {
      seed: 3,
      beta: 0.5,
      h0: 0.001,
      sigmaL: 0.001,
    });
    expect(converged).toBe(true);
    expect(evaluations).toBe(steps);
    const got = moments(sample, basis, mean);
    // Reference: exact draws from N(mu, Sigma) with as many samples.
    const exact = tf.tidy(() => {
      const z = tf.mul(rng(5).normalTensor([n, D]), tf.sqrt(tf.tensor1d(lambda)));
      return tf.add(tf.matMul(z, basis, false, true), tf.reshape(mean, [1, D]));
    });
    const reference = moments(exact, basis, mean);
    expect(got.meanError).toBeLessThan(3 * Math.sqrt(lambda[0] / n));
    expect(got.covError).toBeLessThan(1.3 * reference.covError);
    const meanRatio = got.ratios.reduce((s, r) => s + r, 0) / D;
    expect(meanRatio).toBeGreaterThan(0.95);
    expect(meanRatio).toBeLessThan(1.05);
    for (const r of got.ratios) expect(Math.abs(r - 1)).toBeLessThan(0.2);

    // The same check rejects the samples of a denoiser built for the wrong covariance (2 Sigma).
    const wrong = new GaussianDenoiser({ mean, basis, variances: lambda.map((l) => 2 * l) });
    const off = await ascentSample(wrong.residual, [n, H, H, 1], { seed: 3, beta: 0.5, h0: 0.001, sigmaL: 0.001 });
    const offMoments = moments(off.sample, basis, mean);
    expect(offMoments.covError).toBeGreaterThan(2 * reference.covError);

    tf.dispose([basis, mean, sample, exact, off.sample]);
    denoiser.dispose();
    wrong.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops relative to the sample: a band as small as wavelet details gets its full variance', async () => {
    const before = tf.memory().numTensors;
    const basis = tf.tensor2d(dctBasis(), [D, D]);
    // Zero-mean data with std 0.0025 to 0.02, the size of a detail band of an image in [0, 1].
    const small = lambda.map((l) => l / 100);
    const mean = tf.zeros([H, H, 1]) as tf.Tensor3D;
    const denoiser = new GaussianDenoiser({ mean, basis, variances: small });
    const n = 400;
    const options = { seed: 6, beta: 0.5, h0: 0.01, sigmaL: 0.01, initMean: 0 };
    const { sample, sigmas, converged } = await ascentSample(denoiser.residual, [n, H, H, 1], options);
    expect(converged).toBe(true);
    // The official rule: stop at sigma_t <= sigmaL std(y), far below an absolute sigmaL of 0.01 ...
    const dataStd = Math.sqrt(small.reduce((a, b) => a + b, 0) / D);
    expect(sigmas.at(-1)).toBeLessThan(0.011 * dataStd);
    // ... which the noise crosses while it is still 1.8 times the band's std: stopping there would leave samples
    // with a fraction of the band's variance.
    const early = sigmas.findIndex((v) => v <= 0.01);
    expect(dataStd).toBeLessThan(0.006);
    expect(early).toBeGreaterThan(0);
    expect(sigmas.length - early).toBeGreaterThan(10);
    const got = moments(sample, basis, mean, small);
    const meanRatio = got.ratios.reduce((s, r) => s + r, 0) / D;
    expect(meanRatio).toBeGreaterThan(0.9);
    expect(meanRatio).toBeLessThan(1.1);
    tf.dispose([basis, mean, sample]);
    denoiser.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops each sample on its own once sigma_t <= sigmaL std(y) and reports progress', async () => {
    const before = tf.memory().numTensors;
    const basis = tf.tensor2d(dctBasis(), [D, D]);
    const mean = tf.fill([H, H, 1], 0.5) as tf.Tensor3D;
    const denoiser = new GaussianDenoiser({ mean, basis, variances: lambda });
    const events: Array<{ step: number; total: number }> = [];
    const result = await ascentSample(denoiser.residual, [4, H, H, 1], {
      seed: 1,
      onProgress: (e) => events.push(e),
    });
    expect(result.converged).toBe(true);
    expect(result.sigmas[0]).toBeGreaterThan(0.5);
    expect(result.sigmas.at(-1)).toBeLessThan(0.05);
    expect(events.at(-1)).toMatchObject({ step: result.steps, total: result.steps });
    expect(events.every((e) => e.step <= e.total)).toBe(true);
    // Progress totals come from the designed schedule sigma_t = (1 - beta h_t) sigma_{t-1}, re-estimated
    // every step from the distance to the threshold (the real noise falls faster than designed: an upper end).
    for (const e of events.slice(0, result.steps / 2)) {
      expect(e.total).toBeGreaterThanOrEqual(result.steps);
      expect(e.total).toBeLessThan(2 * result.steps);
    }
    expect(predictAscentSteps({}, 0.1)).toBeGreaterThan(predictAscentSteps({}, 1)); // a smaller signal: more steps
    // Same seed, same samples.
    const again = await ascentSample(denoiser.residual, [4, H, H, 1], { seed: 1 });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(again.sample, result.sample))).dataSync()[0])).toBe(0);
    tf.dispose([basis, mean, result.sample, again.sample]);
    denoiser.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a linear measurement exactly (constrained ascent)', async () => {
    const before = tf.memory().numTensors;
    const basis = tf.tensor2d(dctBasis(), [D, D]);
    const mean = tf.fill([H, H, 1], 0.5) as tf.Tensor3D;
    const denoiser = new GaussianDenoiser({ mean, basis, variances: lambda });
    // Measurement: 2x2 block averages (M M^T replaces each block by its mean).
    const project = (y: tf.Tensor4D) =>
      tf.tidy(() => {
        const avg = tf.avgPool(y, 2, 2, 'valid');
        return tf.image.resizeNearestNeighbor(avg, [H, H]) as tf.Tensor4D;
      });
    const truth = tf.tidy(() => tf.add(0.5, rng(9).normalTensor([2, H, H, 1], { std: 0.1 }))) as tf.Tensor4D;
    const target = project(truth);
    const { sample } = await ascentSample(denoiser.residual, [2, H, H, 1], {
      seed: 2,
      constraint: { project, target },
    });
    const mismatch = tf.tidy(() => tf.max(tf.abs(tf.sub(project(sample), target))).dataSync()[0]);
    expect(mismatch).toBeLessThan(1e-5);
    tf.dispose([basis, mean, truth, target, sample]);
    denoiser.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops samples stuck above sigmaL (a residual floor) instead of shrinking them to 0', async () => {
    const before = tf.memory().numTensors;
    // A homogeneous "denoiser" that always removes 3% of its input: sigma_t never falls below the floor
    // 0.03 * rms(y) unless y itself shrinks.
    const floor = (y: tf.Tensor4D) => tf.mul(y, 0.03) as tf.Tensor4D;
    const rms = (t: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.mean(tf.square(t)).dataSync()[0]));
    const options = { seed: 4, sigma0: 1, initMean: 1 };
    const kept = await ascentSample(floor, [2, 8, 8, 1], options);
    expect(kept.stalled).toBe(2);
    expect(kept.converged).toBe(false);
    expect(kept.steps).toBe(11);
    expect(rms(kept.sample)).toBeGreaterThan(1);
    // Without the stall rule the relative threshold is never met (sigma_t / std(y) stays put as y shrinks).
    const shrunk = await ascentSample(floor, [2, 8, 8, 1], { ...options, stallWindow: 0, maxSteps: 300 });
    expect(shrunk).toMatchObject({ stalled: 0, converged: false, steps: 300 });
    expect(rms(shrunk.sample)).toBeLessThan(0.4);
    tf.dispose([kept.sample, shrunk.sample]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates its options and honours an abort', async () => {
    const residual = (y: tf.Tensor4D) => tf.mul(y, 0.5) as tf.Tensor4D;
    await expect(ascentSample(residual, [1, 4, 4, 1], { beta: 0 })).rejects.toThrow(/beta must be in \(0, 1\]/);
    await expect(ascentSample(residual, [1, 4, 4, 1], { sigmaL: 2 })).rejects.toThrow(/sigmaL/);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    controller.abort();
    await expect(ascentSample(residual, [1, 4, 4, 1], { signal: controller.signal })).rejects.toThrow(/aborted/);
    expect(tf.memory().numTensors).toBe(before);
    expect(ascentStepSize(0.01, 1)).toBeCloseTo(0.01, 12);
    expect(ascentStepSize(0.01, 101)).toBeCloseTo(1.01 / 2, 12);
  });
});

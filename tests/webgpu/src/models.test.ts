// The shipped models on a tiny input, on webgpu against wasm: denoising, sampling, super-resolution.
import { rng, tf } from '@scalespace/core';
import { load as loadCVDVAE } from '@scalespace/model-cvdvae-mnist-x4';
import { load as loadFlat } from '@scalespace/model-denoiser-flat-rf43';
import { load as loadMultiscale } from '@scalespace/model-denoiser-multiscale-rf13';
import { load as loadPixelPyramids } from '@scalespace/model-pixelpyramids-mnist';
import { load as loadSingan } from '@scalespace/model-singan-coffee';
import { load as loadVDVAE } from '@scalespace/model-vdvae-mnist';
import { describe, it } from 'vitest';
import { expectSameOnBoth, host, onBothBackends, webgpuSkipReason } from './harness.js';

const skip = await webgpuSkipReason();

/** A 32x32 grey ramp-and-disc scene with noise of sigma 25/255 (seed 7). */
function noisyScene(): tf.Tensor3D {
  return tf.tidy(() => {
    const [y, x] = tf.meshgrid(tf.range(0, 32), tf.range(0, 32));
    const disc = tf.mul(
      tf.cast(tf.less(tf.add(tf.square(tf.sub(x, 20)), tf.square(tf.sub(y, 12))), 49), 'float32'),
      0.35,
    );
    const clean = tf.add(tf.add(0.2, tf.div(tf.add(x, y), 160)), disc);
    return tf.add(tf.expandDims(clean, -1), rng(7).normalTensor([32, 32, 1], { std: 25 / 255 })) as tf.Tensor3D;
  });
}

describe.skipIf(skip !== null)('the shipped models on webgpu equal wasm', () => {
  it('denoiser-flat-rf43 and denoiser-multiscale-rf13 denoise a noisy 32x32 scene', async () => {
    const results = await onBothBackends(async () => {
      const noisy = noisyScene();
      const out: Record<string, Float32Array> = {};
      for (const [name, load] of [
        ['flat', loadFlat],
        ['multiscale', loadMultiscale],
      ] as const) {
        const model = await load();
        out[name] = await host((await model.denoise(noisy)).image);
        model.dispose();
      }
      noisy.dispose();
      return out;
    });
    expectSameOnBoth(results);
  });

  it('vdvae-mnist samples and cvdvae-mnist-x4 super-resolves an 8x8 digit', async () => {
    const results = await onBothBackends(async () => {
      const vdvae = await loadVDVAE();
      const samples = await host(vdvae.sample({ n: 2, temperature: 0.8, seed: 1 }));
      vdvae.dispose();
      const cvdvae = await loadCVDVAE();
      const low = tf.tidy(() =>
        tf.image.resizeBilinear(tf.reshape(noisyScene(), [1, 32, 32, 1]) as tf.Tensor4D, [8, 8], true),
      );
      const sr = await host(cvdvae.superResolve(low, { samples: 2, temperature: 0.8, seed: 2 }));
      low.dispose();
      cvdvae.dispose();
      return { samples, sr };
    });
    expectSameOnBoth(results);
  });

  it('pixelpyramids-mnist samples a digit exactly as on wasm', async () => {
    const results = await onBothBackends(async () => {
      const model = await loadPixelPyramids();
      const { images, networkEvaluations } = await model.sample({ n: 1, seed: 3 });
      model.module.dispose();
      return { images: await host(images), evaluations: [networkEvaluations] };
    });
    expectSameOnBoth(results, { tolerance: 1e-9 });
  });

  it('singan-coffee samples a 24x32 image', async () => {
    const results = await onBothBackends(async () => {
      const model = await loadSingan();
      const image = await host(model.sample({ n: 1, seed: 4, size: [24, 32] }));
      model.dispose();
      return { image };
    });
    expectSameOnBoth(results);
  });
});

import { AbortError, measurePeakBytes, readTorchCheckpoint, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDenoiser, loadDenoiser } from './checkpoint-io.js';
import { flatDenoiserFromTorch } from './convert-official.js';
import { smallMultiscaleConfig } from './test-configs.js';
import { denoiserBytesPerPixel, denoiserReach, denoiseTiled } from './tiled-denoise.js';

// The shipped models (trained here): flat RF 43 and multi-scale RF 13 (2 levels, low-pass RF 43).
const shipped = (name: string) => new URL(`../../../models/denoiser-${name}/weights`, import.meta.url).pathname;
// The official flat RF 13 net (MIT, Kadkhodaie et al.; its first layer is linear): 64 channels, twice ours.
const OFFICIAL_RF13 = new URL(
  '../fixtures/kadkhodaie/official/flat/noise_range_0to255_RF_13x13/model.pt',
  import.meta.url,
).pathname;
const official = async () =>
  flatDenoiserFromTorch(await readTorchCheckpoint(OFFICIAL_RF13, { stripModulePrefix: true }));

/** A smooth image with edges and noise, [H, W, 1]. */
function photo(h: number, w: number): tf.Tensor3D {
  return tf.tidy(() => {
    const r = rng(7);
    const base = tf.image.resizeBilinear(r.uniformTensor([1, 6, 8, 1]) as tf.Tensor4D, [h, w]);
    return tf.squeeze(tf.add(base, r.normalTensor([1, h, w, 1], { std: 0.1 })), [0]) as tf.Tensor3D;
  });
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('denoiseTiled', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(['flat', 'multiscale'])(
    '%s: tiles under a small budget agree with the whole image, with no seam',
    async (kind) => {
      // The shipped flat model; a small multi-scale one (2 levels) keeps the test quick.
      const model =
        kind === 'flat'
          ? await loadDenoiser(shipped('flat-rf43'))
          : createDenoiser(smallMultiscaleConfig({ levels: 2, depth: 5, width: 8, lowpassRf: 9 }), { seed: 1 });
      const reach = denoiserReach(model.config);
      const image = kind === 'flat' ? photo(150, 190) : photo(230, 250);
      const before = tf.memory().numTensors;
      const whole = await model.denoise(image);
      // A budget that fits a tile core of about 64 px with its context: several tiles in each direction.
      const side = 2 * Math.ceil(1.25 * reach + 8) + 64;
      const budgetBytes = side * side * denoiserBytesPerPixel(model.config);
      const events: number[] = [];
      const tiled = await denoiseTiled(model, image, { budgetBytes, onProgress: (e) => events.push(e.step) });
      expect(tiled.tiles).toBeGreaterThanOrEqual(4);
      expect(events).toEqual(Array.from({ length: tiled.tiles }, (_, i) => i + 1));
      expect(maxDiff(tiled.image, whole.image)).toBeLessThan(1e-4);
      expect(Math.abs(tiled.sigmaEstimate[0] - whole.sigmaEstimate[0])).toBeLessThan(1e-5);
      tf.dispose([whole.image, tiled.image]);
      expect(tf.memory().numTensors).toBe(before);
      image.dispose();
      model.dispose();
    },
  );

  it('forced small tiles: every boundary is blended, the result unchanged', async () => {
    const model = await loadDenoiser(shipped('flat-rf43'));
    const image = photo(96, 96);
    const whole = await model.denoise(image);
    // Forced 32 px tiles: every tile boundary is blended over a band.
    const tiled = await denoiseTiled(model, image, { tileSize: 32 });
    expect(tiled.tiles).toBe(9);
    expect(maxDiff(tiled.image, whole.image)).toBeLessThan(1e-4);
    tf.dispose([image, whole.image, tiled.image]);
    model.dispose();
  });

  it('estimates the peak memory of a pass from above, within a margin', async () => {
    for (const name of ['flat-rf43', 'multiscale-rf13', 'official flat-rf13']) {
      const model = name.startsWith('official') ? await official() : await loadDenoiser(shipped(name));
      const image = photo(256, 256);
      const { peakBytes, result } = await measurePeakBytes(() => model.denoise(image).then((r) => r.image));
      result.dispose();
      const estimate = 256 * 256 * denoiserBytesPerPixel(model.config);
      expect(estimate, name).toBeGreaterThanOrEqual(peakBytes);
      expect(estimate, name).toBeLessThan(1.4 * peakBytes);
      image.dispose();
      model.dispose();
    }
  });

  it('stops between tiles when aborted, leaving no tensors, and refuses a budget no tile fits', async () => {
    const model = await loadDenoiser(shipped('flat-rf43'));
    const image = photo(96, 96);
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    await expect(
      denoiseTiled(model, image, {
        tileSize: 32,
        signal: controller.signal,
        onProgress: (e) => e.step === 2 && controller.abort(),
      }),
    ).rejects.toThrow(AbortError);
    expect(tf.memory().numTensors).toBe(before);
    await expect(denoiseTiled(model, image, { budgetBytes: 1000 })).rejects.toThrow(/budget/);
    image.dispose();
    model.dispose();
  });
});

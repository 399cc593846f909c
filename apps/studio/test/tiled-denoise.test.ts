// The studio's tiler against one whole-image call of each shipped denoiser, in Node on wasm: tiles cut with a
// margin of the network's reach give the same image, whatever the tile size and image size.
import { initBackend, rng, tf } from '@scalespace/core';
import type { Denoiser } from '@scalespace/denoisers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENOISER_LOADERS } from '../src/compute/models.js';
import { denoiserReach, denoiseTiled } from '../src/compute/tiled-denoise.js';
import type { DenoiserId } from '../src/denoisers.js';

beforeAll(async () => {
  await initBackend('wasm', { log: false });
});

async function maxDifference(model: Denoiser, image: tf.Tensor3D, tile: number) {
  const whole = await model.denoise(image);
  const tiled = await denoiseTiled(model, image, { tile });
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(whole.image, tiled.image))));
  const [value] = await diff.data();
  tf.dispose([whole.image, tiled.image, diff]);
  return { value, tiles: tiled.tiles };
}

describe('denoiseTiled', () => {
  it('knows how far each shipped model looks', () => {
    expect(denoiserReach({ kind: 'flat', channels: 1, net: { depth: 21, width: 32, rf: 43 } })).toEqual({
      margin: 21,
      block: 1,
    });
    const multiscale = {
      kind: 'multiscale' as const,
      channels: 1 as const,
      levels: 2,
      lowpass: { depth: 21, width: 32, rf: 43 },
      conditional: { depth: 21, width: 32, rf: 13 },
    };
    // 21 coarsest coefficients of 4 px, 6 of 2 px and 6 of 4 px for the conditionals, one coarsest block.
    expect(denoiserReach(multiscale)).toEqual({ margin: 124, block: 4 });
  });

  for (const [id, size, tile] of [
    ['flat-rf43', [70, 93], 32],
    ['multiscale-rf13', [150, 262], 64],
  ] as const) {
    it(`${id}: tiles of ${tile} px on a ${size[1]}x${size[0]} image equal one whole-image call`, async () => {
      const model = await (await DENOISER_LOADERS[id as DenoiserId]()).load(undefined, {});
      const image = tf.tidy(() => tf.clipByValue(rng(7).normalTensor([...size, 1], { mean: 0.5, std: 0.3 }), 0, 1));
      const before = tf.memory().numTensors;
      const events: number[] = [];
      const result = await denoiseTiled(model, image as tf.Tensor3D, { tile, onProgress: (e) => events.push(e.step) });
      expect(result.tiles).toBeGreaterThan(2);
      expect(events).toEqual(Array.from({ length: result.tiles }, (_, i) => i + 1));
      result.image.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const { value } = await maxDifference(model, image as tf.Tensor3D, tile);
      // Bit for bit on wasm: every kept pixel is computed from the same pixels by the same convolutions (a margin
      // one pixel short already differs, by about 2e-7).
      expect(value).toBe(0);
      image.dispose();
      model.dispose();
    });
  }

  it('stops between tiles when aborted', async () => {
    const model = await (await DENOISER_LOADERS['flat-rf43']()).load(undefined, {});
    const image = rng(1).uniformTensor([64, 64, 1]) as tf.Tensor3D;
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = denoiseTiled(model, image, {
      tile: 16,
      signal: controller.signal,
      onProgress: (e) => e.step === 2 && controller.abort(),
    });
    await expect(run).rejects.toThrow(/aborted/);
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
    model.dispose();
  });
});

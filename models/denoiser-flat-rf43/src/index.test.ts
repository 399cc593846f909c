import { fileURLToPath } from 'node:url';
import { readImage, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { heldOutPhotos, load } from './index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const psnr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => -10 * Math.log10(tf.mean(tf.square(tf.sub(tf.clipByValue(a, 0, 1), b))).dataSync()[0]));

describe('@scalespace/model-denoiser-flat-rf43', () => {
  it('loads the trained flat RF 43 model and denoises a held-out photo far better than the noisy input', async () => {
    const before = tf.memory().numTensors;
    const model = await load();
    expect(model.config).toMatchObject({ kind: 'flat', channels: 1, net: { rf: 43 } });
    expect(model.net.receptiveField).toBe(43);
    const photo = await readImage(fileURLToPath(heldOutPhotos.chelsea!), { channels: 1 });
    const clean = tf.slice(photo, [22, 97, 0], [256, 256, 1]);
    const noisy = tf.tidy(() => tf.add(clean, rng(1).normalTensor(clean.shape, { std: 25 / 255 })));
    const { image, evaluations } = await model.denoise(noisy);
    expect(evaluations).toBe(1);
    expect(await psnr(image, clean)).toBeGreaterThan((await psnr(noisy, clean)) + 6);
    // Trained, still bias-free: D(2 y) = 2 D(y).
    const doubled = tf.mul(noisy, 2);
    const { image: twice } = await model.denoise(doubled);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(twice, tf.mul(image, 2)))).dataSync()[0]);
    expect(err).toBeLessThan(1e-4);
    tf.dispose([photo, clean, noisy, image, doubled, twice]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PetsGAN } from './petsgan.js';
import { SinGAN } from './singan.js';
import { superResolutionOptions } from './singan-options.js';
import { syntheticImage } from './test-image.js';
import { trainPetsGAN } from './train-petsgan.js';
import { trainSinGAN } from './train-singan.js';

const meanSquare = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.mean(tf.squaredDifference(a, b)).dataSync()[0]);
const same = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

describe('SinGAN applications: start scales, injection scales, masks', () => {
  let image: tf.Tensor3D;
  let model: SinGAN;
  let start: number;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    start = tf.memory().numTensors;
    image = syntheticImage(32);
    const tiny = { maxSize: 32, minSize: 16, channels: 8, maxChannels: 8, dSteps: 1, gSteps: 1, lr: 2e-3 };
    model = await trainSinGAN({ image, ...tiny, iterations: 30, seed: 4 });
  });
  afterAll(() => {
    model.dispose();
    image.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('samples from a start scale: the fixed noise below it, random noise from it on (gen_start_scale)', () => {
    const before = tf.memory().numTensors;
    const N = model.scales;
    const plain = model.sample({ n: 2, seed: 3 });
    const zero = model.sample({ n: 2, seed: 3, startScale: 0 });
    same(zero, plain);
    const { sizes } = model.config;
    for (const s of [1, N - 1]) {
      const got = model.sample({ n: 2, seed: 3, startScale: s });
      const random = SinGAN.randomNoise(3);
      const fixed = model.reconstructionNoise();
      const want = tf.tidy(() => {
        const out = model.generate({ sizes, n: 2, noise: (k, shape) => (k < s ? fixed(k, shape) : random(k, shape)) });
        return tf.clipByValue(tf.div(tf.add(out, 1), 2), 0, 1);
      });
      same(got, want);
      tf.dispose([got, want]);
    }
    // Started at the finest scale, two seeds differ far less than two free samples (they share the layout).
    const [a, b] = [model.sample({ seed: 1, startScale: N - 1 }), model.sample({ seed: 2, startScale: N - 1 })];
    const [c, d] = [model.sample({ seed: 1 }), model.sample({ seed: 2 })];
    expect(meanSquare(a, b)).toBeLessThan(meanSquare(c, d) / 4);
    // At another size the fixed noise is resized to the coarsest scale.
    const wide = model.sample({ seed: 1, startScale: 1, size: [32, 48] });
    expect(wide.shape).toEqual([1, 32, 48, 3]);
    expect(() => model.sample({ startScale: N })).toThrow(/sample: startScale must be an integer in \[0, 3\], got 4/);
    tf.dispose([plain, zero, a, b, c, d, wide]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('injects at each scale in range, refuses others, and keeps the image outside the mask', async () => {
    const before = tf.memory().numTensors;
    const range = model.injectScales();
    expect(range).toEqual({ min: 1, max: model.scales - 1, default: 2 });
    const painted = tf.tidy(() => tf.reverse(image, 1) as tf.Tensor3D);
    const outs = [1, range.max].map((scale) => model.inject({ image: painted, scale, seed: 1 }));
    // A coarser injection changes the image more.
    const change = outs.map((o) => tf.tidy(() => meanSquare(o, painted.expandDims(0))));
    expect(change[0]).toBeGreaterThan(change[1]);
    expect(() => model.inject({ image: painted, scale: 0 })).toThrow(/inject: scale must be an integer in \[1, 3\]/);
    const half = tf.tidy(() => tf.concat([tf.ones([32, 16, 1]), tf.zeros([32, 16, 1])], 1) as tf.Tensor3D);
    const masked = model.inject({ image: painted, mask: half, seed: 1 });
    const right = tf.tidy(() =>
      tf.max(
        tf.abs(tf.sub(tf.slice(masked, [0, 0, 16, 0], [1, 32, 16, 3]), tf.slice(painted, [0, 16, 0], [32, 16, 3]))),
      ),
    );
    expect((await right.data())[0]).toBeLessThan(1e-6);
    const small = tf.zeros([16, 16, 1]) as tf.Tensor3D;
    expect(() => model.inject({ image: painted, mask: small })).toThrow(/the mask is 16x16 but the image is 32x32/);
    const walk = [0, 2].map((startScale) => model.animate({ frames: 3, seed: 1, startScale }));
    const plainWalk = model.animate({ frames: 3, seed: 1 });
    same(walk[0], plainWalk);
    // Fixed coarse scales move less from frame to frame.
    const motion = walk.map((f) => tf.tidy(() => meanSquare(tf.slice(f, [0], [2]), tf.slice(f, [1], [2]))));
    expect(motion[1]).toBeLessThan(motion[0]);
    tf.dispose([painted, ...outs, half, masked, right, small, ...walk, plainWalk]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the original SR recipe: scales factor^(1/k) apart, k = round(3 log2 factor)', () => {
    expect(superResolutionOptions(4)).toEqual({ scaleFactor: 4 ** (-1 / 6), reconstructionWeight: 100, minSize: 18 });
    expect(superResolutionOptions(2).scaleFactor).toBeCloseTo(2 ** (-1 / 3), 12);
    expect(() => superResolutionOptions(1)).toThrow(/factor must be a number in \[1.2, 16\]/);
  });
});

describe('PetsGAN applications', () => {
  let image: tf.Tensor3D;
  let model: PetsGAN;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    image = syntheticImage(64);
    model = await trainPetsGAN({
      image,
      maxSize: 64,
      ganIterations: 4,
      ganBatch: 2,
      restorationIterations: 30,
      restorationLr: 3e-3,
      jointIterations: 0,
      generatorChannels: 4,
      criticChannels: 4,
      restorationChannels: 8,
      augmentations: 2,
      copies: 2,
      parallel: false,
      seed: 1,
    });
  });
  afterAll(() => {
    model.dispose();
    image.dispose();
  });

  it('honours the injection scale: the top is the low resolution as it is, lower ones enter smaller', () => {
    const before = tf.memory().numTensors;
    expect(model.injectScales()).toEqual({ min: 1, max: 3, default: 3 });
    const painted = tf.tidy(() => tf.reverse(image, 0) as tf.Tensor3D);
    const [plain, top, low] = [undefined, 3, 1].map((scale) => model.inject({ image: painted, scale }));
    same(top, plain);
    expect(meanSquare(low, top)).toBeGreaterThan(0);
    expect(() => model.inject({ image: painted, scale: 4 })).toThrow(/inject: scale must be an integer in \[1, 3\]/);
    expect(() => model.sample({ startScale: 1 })).toThrow(/startScale must be 0 for a PetsGAN model/);
    expect(() => model.animate({ startScale: 2 })).toThrow(/startScale must be 0 for a PetsGAN model/);
    tf.dispose([painted, plain, top, low]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

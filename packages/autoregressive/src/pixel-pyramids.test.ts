import { rng, tf } from '@scalespace/core';
import { pairedPyramid } from '@scalespace/pyramids';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConditionalLevel, type FineValues } from './conditional-level.js';
import { allImages, totalProbability } from './exactness.js';
import { PixelPyramids, type PixelPyramidsConfig } from './pixel-pyramids.js';

const tiny = (over: Partial<PixelPyramidsConfig>): PixelPyramidsConfig => ({
  height: 2,
  width: 2,
  channels: 1,
  bits: 2,
  components: 2,
  coarsest: 1,
  coarseModel: { filters: 8, resnets: 1 },
  level: { filters: 8, blocks: 1 },
  squeeze: 0,
  ...over,
});

describe('PixelPyramids', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('is normalised: all 256 images of 2x2 grey at 2 bits sum to 1, before and after training', async () => {
    const before = tf.memory().numTensors;
    const model = new PixelPyramids(tiny({}), rng(1));
    const images = allImages(2, 2, 1, 2);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    const data = tf.tidy(() => tf.slice(images, [100, 0, 0, 0], [16, 2, 2, 1]));
    const opt = tf.train.adam(0.03);
    const nll = () => tf.tidy(() => -tf.mean(model.logProb(data)).dataSync()[0]);
    const start = nll();
    for (let i = 0; i < 8; i++) opt.minimize(() => tf.neg(tf.mean(model.logProb(data))) as tf.Scalar);
    expect(nll()).toBeLessThan(start);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    opt.dispose();
    model.dispose();
    tf.dispose([images, data]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is normalised with squeezed sub-images (2x4 binary images, a level of 4 sub-images)', async () => {
    const model = new PixelPyramids(tiny({ height: 2, width: 4, bits: 1, squeeze: [1, 0, 0] }), rng(2));
    expect(model.levels.map((l) => l.subImages)).toEqual([4, 1, 1]);
    const images = allImages(2, 4, 1, 1);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    model.dispose();
    images.dispose();
  });

  it('stays normalised with fine values rotated by n/2 (2x4 at 2 bits: all 65,536 images)', async () => {
    const before = tf.memory().numTensors;
    const level = { filters: 8, blocks: 1, rotate: true };
    const model = new PixelPyramids(tiny({ height: 2, width: 4, bits: 2, squeeze: [1, 0, 0], level }), rng(6));
    const images = allImages(2, 4, 1, 2);
    expect(images.shape[0]).toBe(65_536);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    // Rotation puts "no difference" (fine = n/2) on the edge bin the initial means sit on: flat images are likely.
    const flat = tf.tidy(() => tf.fill([1, 2, 4, 1], 1, 'int32'));
    const ramp = tf.tidy(() => tf.tensor4d([0, 3, 0, 3, 3, 0, 3, 0], [1, 2, 4, 1], 'int32'));
    const [pFlat, pRamp] = tf.tidy(() => [model.logProb(flat).dataSync()[0], model.logProb(ramp).dataSync()[0]]);
    expect(pFlat).toBeGreaterThan(pRamp);
    model.dispose();
    tf.dispose([images, flat, ramp]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("models the fine rows' own values with 'absolute' values: normalised, and samples invert the mapping", async () => {
    const before = tf.memory().numTensors;
    const level = { filters: 8, blocks: 1, values: 'absolute' as const };
    const wide = new PixelPyramids(tiny({ height: 2, width: 4, bits: 2, squeeze: [1, 0, 0], level }), rng(8));
    const all = allImages(2, 4, 1, 2);
    expect(Math.abs((await totalProbability(wide, all)) - 1)).toBeLessThan(1e-4);
    wide.dispose();
    all.dispose();
    const bad = { channels: 1, bits: 2, components: 2, k: 0, filters: 8, blocks: 1, values: 'relative' as FineValues };
    expect(() => new ConditionalLevel(bad, rng(8))).toThrow(/values must be 'difference', 'rotated', 'absolute'/);
    // Learn images whose two rows are equal (fine value n/2 as stored, p1 = p2 as modelled); a sample
    // mapped back the wrong way would break the pairs.
    const model = new PixelPyramids(tiny({ level }), rng(9));
    const images = allImages(2, 2, 1, 2);
    const paired = tf.tidy(() => {
      const v = images.arraySync() as number[][][][];
      const keep = v.map((img, i) => (img[0][0][0] === img[1][0][0] && img[0][1][0] === img[1][1][0] ? i : -1));
      return tf.gather(
        images,
        tf.tensor1d(
          keep.filter((i) => i >= 0),
          'int32',
        ),
      ) as tf.Tensor4D;
    });
    expect(paired.shape[0]).toBe(16);
    const opt = tf.train.adam(0.03);
    for (let i = 0; i < 30; i++) opt.minimize(() => tf.neg(tf.mean(model.logProb(paired))) as tf.Scalar);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    const mass = tf.tidy(() => tf.sum(tf.exp(model.logProb(paired))).dataSync()[0]);
    expect(mass).toBeGreaterThan(0.8);
    const s = await model.sample({ n: 64, seed: 3 });
    const drawn = s.images.arraySync() as number[][][][];
    const pairs = drawn.filter((img) => img[0][0][0] === img[1][0][0] && img[0][1][0] === img[1][1][0]).length;
    expect(pairs / 64).toBeGreaterThan(0.7);
    opt.dispose();
    model.dispose();
    tf.dispose([images, paired, s.images]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is normalised with the ConvLSTM context (2x4 at 2 bits, 4 sub-images), and samples with it', async () => {
    const before = tf.memory().numTensors;
    const level = { filters: 8, blocks: 1, context: 'convlstm' as const };
    const model = new PixelPyramids(tiny({ height: 2, width: 4, bits: 2, squeeze: [1, 0, 0], level }), rng(7));
    expect(model.levels[0].lstm).not.toBeNull();
    const images = allImages(2, 4, 1, 2);
    expect(Math.abs((await totalProbability(model, images)) - 1)).toBeLessThan(1e-4);
    const s = await model.sample({ n: 3, seed: 2 });
    expect(s.networkEvaluations).toBe(1 + 4 + 1 + 1); // 1x1 coarsest, then levels of 4, 1 and 1 sub-images
    const again = await model.sample({ n: 3, seed: 2 });
    expect(Array.from(again.images.dataSync())).toEqual(Array.from(s.images.dataSync()));
    model.dispose();
    tf.dispose([images, s.images, again.images]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('samples in O(log N) steps and super-resolves consistently with the coarse input', async () => {
    const model = new PixelPyramids(
      tiny({
        height: 16,
        width: 16,
        bits: 4,
        coarsest: 4,
        squeeze: 1,
        level: { filters: 8, blocks: 1, values: 'absolute' },
      }),
      rng(3),
    );
    expect(model.coarsestSize).toEqual([4, 4]);
    expect(model.sequentialSteps).toBe(16 + 4 * 4);
    const s = await model.sample({ n: 2, seed: 1 });
    expect(s.images.shape).toEqual([2, 16, 16, 1]);
    expect(s.networkEvaluations).toBe(model.sequentialSteps);
    const again = await model.sample({ n: 2, seed: 1 });
    expect(Array.from(again.images.dataSync())).toEqual(Array.from(s.images.dataSync()));

    // 8x8 -> 16x16: sample the two finest levels only; the paired pyramid of each output returns the input.
    const coarse = tf.tidy(() => tf.cast(tf.mul(rng(4).uniformTensor([3, 8, 8, 1]), 15.99), 'int32'));
    const sr = await model.superResolve(coarse, { seed: 5 });
    expect(sr.levels).toBe(2);
    expect(sr.networkEvaluations).toBe(8);
    const p = pairedPyramid(sr.images, { bits: 4, levels: 2 });
    expect(Array.from(p.coarse.dataSync())).toEqual(Array.from(coarse.dataSync()));
    await expect(model.superResolve(tf.zeros([5, 5, 1], 'int32'))).rejects.toThrow(/not a level/);
    tf.dispose([s.images, again.images, coarse, sr.images, p.coarse, ...p.levels.map((l) => l.fine)]);
    model.dispose();
  });
});

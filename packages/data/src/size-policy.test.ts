import { tf } from '@scalespace/core';
import { resize } from '@scalespace/pyramids';
import { describe, expect, it } from 'vitest';
import { fitImage, type RawImage, resizeRaw, validateSizeOptions } from './size-policy.js';
import { noLeaks, pattern } from './test-helpers.js';

/** A 40x60 grey image: 200 in the central 40x40 square, 0 in the side bands. */
function framed(): RawImage {
  const data = new Uint8Array(40 * 60);
  for (let y = 0; y < 40; y++) for (let x = 10; x < 50; x++) data[y * 60 + x] = 200;
  return { data, height: 40, width: 60, channels: 1 };
}

const smooth = (h: number, w: number): RawImage => {
  const data = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        data[(y * w + x) * 3 + c] = Math.round(127 + 100 * Math.sin(x / 9 + c) * Math.cos(y / 11));
  return { data, height: h, width: w, channels: 3 };
};

describe('size policies', () => {
  it("'center-crop' keeps exactly the central square (default) or the given crop, then resizes", async () => {
    await noLeaks(() => {
      const out = fitImage(framed(), { size: 20 });
      expect([out.height, out.width]).toEqual([20, 20]);
      expect(out.data.every((v) => v === 200)).toBe(true);
      const cropped = fitImage(framed(), { crop: 30, size: 12 });
      expect([cropped.height, cropped.width]).toEqual([12, 12]);
      expect(cropped.data.every((v) => v === 200)).toBe(true);
      // Without size the crop is the output, bytes copied exactly.
      const raw = { data: pattern(9, 11, 1), height: 9, width: 11, channels: 1 };
      const c = fitImage(raw, { crop: [3, 5] });
      expect(Array.from(c.data)).toEqual([3, 4, 5].flatMap((y) => [3, 4, 5, 6, 7].map((x) => raw.data[y * 11 + x])));
      // A rectangular output takes the largest centred region of its aspect: 40x60 -> 20x30 keeps everything.
      const whole = fitImage(framed(), { size: [20, 30] });
      expect(whole.data[0]).toBe(0);
      expect(whole.data[15]).toBe(200);
    });
  });

  it("'shorter-side' fits the shorter side then cuts the centre, agreeing with 'center-crop' on a smooth image", () => {
    const image = smooth(48, 80);
    const a = fitImage(image, { size: 24, policy: 'shorter-side' });
    const b = fitImage(image, { size: 24, policy: 'center-crop' });
    expect([a.height, a.width, a.channels]).toEqual([24, 24, 3]);
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it("'longer-side' keeps the aspect ratio; 'stretch' ignores it; constants stay constant", () => {
    const image = { data: new Uint8Array(40 * 60 * 3).fill(77), height: 40, width: 60, channels: 3 };
    const l = fitImage(image, { size: 30, policy: 'longer-side' });
    expect([l.height, l.width]).toEqual([20, 30]);
    const up = fitImage(image, { size: 90, policy: 'longer-side' });
    expect([up.height, up.width]).toEqual([60, 90]);
    const s = fitImage(image, { size: [10, 50], policy: 'stretch' });
    expect([s.height, s.width]).toEqual([10, 50]);
    for (const out of [l, up, s]) expect(out.data.every((v) => v === 77)).toBe(true);
  });

  it("'random-crop' cuts an exact window, seeded per image index", () => {
    const image = { data: pattern(30, 40, 1), height: 30, width: 40, channels: 1 };
    const a = fitImage(image, { size: 8, policy: 'random-crop', seed: 5 }, 3);
    const again = fitImage(image, { size: 8, policy: 'random-crop', seed: 5 }, 3);
    expect(Array.from(again.data)).toEqual(Array.from(a.data));
    const positions = new Set<string>();
    for (let index = 0; index < 8; index++) {
      const crop = fitImage(image, { size: 8, policy: 'random-crop', seed: 5 }, index);
      let found = '';
      for (let t = 0; t <= 22 && !found; t++)
        for (let l = 0; l <= 32 && !found; l++) {
          let same = true;
          for (let y = 0; y < 8 && same; y++)
            for (let x = 0; x < 8 && same; x++) same = crop.data[y * 8 + x] === image.data[(t + y) * 40 + l + x];
          if (same) found = `${t},${l}`;
        }
      expect(found).not.toBe('');
      positions.add(found);
    }
    expect(positions.size).toBeGreaterThan(4);
    expect(() => fitImage(image, { size: 31, policy: 'random-crop' }, 0, '"x.png"')).toThrow(
      /"x.png" is 30x40, smaller than the 31x31 random crop/,
    );
  });

  it('resizeRaw matches @scalespace/pyramids resize (tensors) to the rounding, for every method and both directions', async () => {
    const image = smooth(37, 52);
    await noLeaks(() => {
      for (const method of ['bicubic', 'bilinear', 'lanczos3', 'box'] as const) {
        for (const [h, w] of [
          [16, 23],
          [61, 40],
          [37, 20],
        ]) {
          const ours = resizeRaw(image, h, w, method);
          const ref = tf.tidy(() =>
            resize(tf.tensor3d(Float32Array.from(image.data), [37, 52, 3]), { height: h, width: w, method }).dataSync(),
          );
          let worst = 0;
          for (let i = 0; i < ref.length; i++)
            worst = Math.max(worst, Math.abs(ours.data[i] - Math.max(0, Math.min(255, ref[i]))));
          expect(worst, `${method} ${h}x${w}`).toBeLessThanOrEqual(0.5 + 1e-3);
        }
      }
    });
  });

  it('resizes with pyramids resize: nearest halving picks pixels exactly (MATLAB sample positions)', () => {
    const image = { data: pattern(8, 10, 3), height: 8, width: 10, channels: 3 };
    const half = resizeRaw(image, 4, 5, 'nearest');
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 5; x++)
        for (let c = 0; c < 3; c++)
          expect(half.data[(y * 5 + x) * 3 + c]).toBe(image.data[((2 * y + 1) * 10 + 2 * x + 1) * 3 + c]);
    expect(resizeRaw(image, 8, 10)).toBe(image);
  });

  it('rejects bad options with a message naming the fix', () => {
    expect(() => validateSizeOptions({ size: 0 })).toThrow(/size must be a positive integer/);
    expect(() => validateSizeOptions({ size: 8, policy: 'none' })).toThrow(/drop \{ size \}/);
    expect(() => validateSizeOptions({ policy: 'stretch' })).toThrow(/needs \{ size \}/);
    expect(() => validateSizeOptions({ size: 8, policy: 'zoom' as 'none' })).toThrow(/unknown size policy "zoom"/);
    expect(() => validateSizeOptions({ size: [8, 9], policy: 'longer-side' })).toThrow(/one number/);
    expect(() => validateSizeOptions({ size: 8, crop: 4, policy: 'stretch' })).toThrow(/belongs to the 'center-crop'/);
    expect(() => validateSizeOptions({ size: 8, method: 'cubic' as 'bicubic' })).toThrow(/unknown resize method/);
    expect(() => fitImage(framed(), { crop: 50, size: 8 })).toThrow(/40x60, smaller than the 50x50 centre crop/);
  });
});

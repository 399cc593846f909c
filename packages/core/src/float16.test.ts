import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from './float16.js';
import { rng } from './rng.js';

const f32 = (x: number) => Math.fround(x);
/** Every finite non-negative half value, ascending (bit patterns 0..0x7bff). */
const positives = Array.from({ length: 0x7c00 }, (_, h) => halfToFloat(h));

/** The nearest half by search over all of them (ties to the even bit pattern): an independent reference. */
function nearestHalf(x: number): number {
  const a = Math.abs(x);
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  if (a >= 65520) return sign | 0x7c00; // 65504 + half an ulp (2^5 / 2) rounds to Infinity (65504 is odd)
  let lo = 0;
  let hi = positives.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positives[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - positives[lo];
  const dHi = positives[hi] - a;
  const pick = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | pick;
}

describe('float16', () => {
  it('every finite half and both infinities convert back to the same bit pattern', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const exp = (h >> 10) & 0x1f;
      if (exp === 31 && (h & 0x3ff) !== 0) continue; // NaN
      if (floatToHalf(halfToFloat(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
    expect(Number.isNaN(halfToFloat(floatToHalf(Number.NaN)))).toBe(true);
  });

  it('rounds midpoints between neighbouring halves to the even one, and near-midpoints to the nearer', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const lo = halfToFloat(h);
      const hi = halfToFloat(h + 1);
      const mid = (lo + hi) / 2; // exact in float32: halves have 11 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      const ulp = 2 ** (Math.floor(Math.log2(mid)) - 23); // of float32 at mid
      const ok =
        f32(mid) === mid &&
        floatToHalf(mid) === even &&
        floatToHalf(-mid) === (0x8000 | even) &&
        floatToHalf(mid + ulp) === h + 1 &&
        floatToHalf(mid - ulp) === h;
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('matches a search for the nearest half on random float32 values of every magnitude', () => {
    const r = rng(7);
    const wrong: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = f32((r.uniform() * 2 - 1) * 2 ** (r.uniform() * 50 - 30));
      if (floatToHalf(x) !== nearestHalf(x)) wrong.push(x);
    }
    expect(wrong).toEqual([]);
    for (const x of [0, -0, 65504, 65519.99, 65520, 1e6, -1e6, 2 ** -24, 2 ** -25, f32(2 ** -25 * 1.0001), 1e-9]) {
      expect(floatToHalf(f32(x))).toBe(nearestHalf(f32(x)));
    }
  });
});

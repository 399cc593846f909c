import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { rng } from './rng.js';

describe('rng', () => {
  it('is deterministic by seed and differs across seeds', () => {
    const draw = (seed: number | string) => Array.from({ length: 5 }, rng(seed).nextUint32);
    expect(draw(1)).toEqual(draw(1));
    expect(draw('celeba')).toEqual(draw('celeba'));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(0)).not.toEqual(draw(2 ** 32)); // large seeds are folded, not truncated to the same value
  });

  it('forks give independent, reproducible streams', () => {
    const a = rng(7);
    const f1 = a.fork('data');
    a.uniform(); // drawing from the parent does not shift a fork made from the seed
    const f2 = rng(7).fork('data');
    expect(f1.uniform()).toBe(f2.uniform());
    expect(rng(7).fork('data').uniform()).not.toBe(rng(7).fork('model').uniform());
  });

  it('uniform and normal have the right moments', () => {
    const r = rng(3);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      su += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
  });

  it('int covers its range uniformly and shuffle permutes', () => {
    const r = rng(11);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = r.shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(() => r.int(0)).toThrow(InvalidArgumentError);
    expect(() => rng(Number.NaN)).toThrow(InvalidArgumentError);
  });
});

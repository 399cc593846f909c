import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { entropyBits, levelEntropy } from './entropy.js';
import { photoInts } from './test-photos.js';

/** Entropy of a histogram computed independently of the code under test. */
function histogramEntropy(values: number[]): number {
  const counts: Record<number, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return -Object.values(counts).reduce((s, c) => s + (c / values.length) * Math.log2(c / values.length), 0);
}

describe('level entropy', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('entropyBits: 0 for a constant, log2(k) for k equally likely values', async () => {
    expect(entropyBits([3, 3, 3])).toBe(0);
    expect(entropyBits([0, 1, 2, 3, 0, 1, 2, 3])).toBeCloseTo(2, 12);
    expect(entropyBits([0, 0, 0, 1])).toBeCloseTo(0.8112781244591328, 12);
  });

  it('on a photo: the raw entropy and the finest paired level match a direct computation, and fall', async () => {
    const before = tf.memory().numTensors;
    const x = await photoInts('camera', 8, 1); // [192, 192, 1]
    const batch = tf.expandDims(x, 0);
    const report = await levelEntropy(batch, { pyramid: 'paired', bits: 8 });
    const v = Array.from(x.dataSync());
    expect(report.raw).toBeCloseTo(histogramEntropy(v), 10);
    // fine_1 pairs rows 2i and 2i+1: (x[2i] - x[2i+1] + 128) mod 256.
    const fine: number[] = [];
    for (let y = 0; y < 192; y += 2)
      for (let c = 0; c < 192; c++) fine.push((((v[y * 192 + c] - v[(y + 1) * 192 + c] + 128) % 256) + 256) % 256);
    expect(report.levels[0]).toMatchObject({ name: 'fine_1', shape: [96, 192, 1] });
    expect(report.levels[0].entropyBits).toBeCloseTo(histogramEntropy(fine), 10);
    expect(report.levels[0].entropyBits).toBeLessThan(report.raw - 1);
    expect(report.levels[report.levels.length - 1].name).toBe('coarse');
    expect(report.levels.length).toBe(13); // 192 -> 3: 6 halvings of each side (12 fine levels), then the coarse one
    const lifting = await levelEntropy(batch, { pyramid: 'lifting', bits: 8, levels: 3 });
    expect(lifting.levels.map((l) => l.name)).toEqual(['fine_1', 'fine_2', 'fine_3', 'coarse']);
    expect(lifting.levels[0].entropyBits).toBeLessThan(lifting.raw - 1);
    await expect(levelEntropy(batch, { pyramid: 'steerable' as 'paired', bits: 8 })).rejects.toThrow(/paired/);
    tf.dispose([x, batch]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

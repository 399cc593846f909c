import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { entropyBits, levelEntropy } from './entropy.js';
import { liftingPyramid, reconstructLifting } from './lifting.js';

function randomInts(shape: number[], bits: number, seed: number): tf.Tensor {
  const r = rng(seed);
  return tf.tensor(
    Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.int(2 ** bits)),
    shape,
    'int32',
  );
}

/** A smooth integer image: entropy of its details should fall well below the raw entropy. */
function smoothImage(size: number): tf.Tensor {
  const v = new Int32Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) v[y * size + x] = Math.round(127 + 100 * Math.sin(x / 5) * Math.cos(y / 7));
  return tf.tensor(v, [size, size, 1], 'int32');
}

describe('5/3 lifting wavelet', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([1, 2, 4, 8])('round trip is bit-exact for %i bits', (bits) => {
    for (const shape of [
      [16, 8, 3],
      [2, 8, 16, 1],
    ]) {
      const x = randomInts(shape, bits, bits);
      const p = liftingPyramid(x, { bits, levels: 3 });
      const back = reconstructLifting(p);
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, back, p.coarse, ...p.levels]);
    }
  });

  it('a constant image leaves zero details; band shapes halve', () => {
    const x = tf.fill([8, 8, 1], 77, 'int32');
    const p = liftingPyramid(x, { bits: 8, levels: 2 });
    expect(p.levels.map((l) => l.shape)).toEqual([
      [4, 4, 3, 1],
      [2, 2, 3, 1],
    ]);
    for (const l of p.levels) expect(Array.from(l.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(p.coarse.dataSync()).every((v) => v === 77)).toBe(true);
    tf.dispose([x, p.coarse, ...p.levels]);
  });

  it('levelEntropy: details of a smooth image have far lower entropy than its pixels', () => {
    const x = smoothImage(32);
    for (const pyramid of ['paired', 'lifting'] as const) {
      const report = levelEntropy(x, { pyramid, bits: 8, levels: 2 });
      expect(report.levels[0].name).toBe('fine_1');
      expect(report.levels[0].entropyBits).toBeLessThan(report.raw - 2);
    }
    expect(entropyBits([1, 1, 2, 2])).toBe(1);
    x.dispose();
  });
});

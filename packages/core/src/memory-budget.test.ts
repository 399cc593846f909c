import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLimitError } from './errors.js';
import {
  assertFitsMemory,
  formatBytes,
  largestFitting,
  measurePeakBytes,
  memoryBudget,
  parseBytes,
  setMemoryBudget,
  WASM_HEAP_MAX,
} from './memory-budget.js';
import { tf } from './tf.js';

describe('memory budget', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterEach(() => {
    setMemoryBudget(undefined);
    delete process.env.SCALESPACE_MEMORY_BUDGET;
  });

  it('on wasm is an eighth of the 4 GiB heap less what tensors hold; an override or the environment wins', async () => {
    const held = tf.memory().numBytes;
    expect(await memoryBudget()).toMatchObject({ backend: 'wasm', bytes: WASM_HEAP_MAX / 8 - held });
    process.env.SCALESPACE_MEMORY_BUDGET = '3G';
    expect((await memoryBudget()).bytes).toBe(3 * 2 ** 30);
    setMemoryBudget(1000);
    expect(await memoryBudget()).toMatchObject({ bytes: 1000, source: 'setMemoryBudget' });
  });

  it('parses sizes strictly and says what does not fit', async () => {
    expect(parseBytes('512M')).toBe(512 * 2 ** 20);
    expect(parseBytes('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(() => parseBytes('lots')).toThrow(/like 512M or 3G/);
    expect(() => parseBytes('0')).toThrow(/above zero/);
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
    setMemoryBudget(2 ** 20);
    const budget = await memoryBudget();
    expect(() => assertFitsMemory(2 ** 19, budget, 'x', 'y')).not.toThrow();
    expect(() =>
      assertFitsMemory(2 ** 21, budget, 'sampling 4096x4096', 'the largest size that fits is 512x512'),
    ).toThrow(MemoryLimitError);
  });

  it('finds the largest value that fits and measures the peak of real work', async () => {
    expect(largestFitting(1, 1000, (v) => v * v <= 5000)).toBe(70);
    expect(largestFitting(10, 1000, () => false)).toBeNull();
    const before = tf.memory().numTensors;
    const { peakBytes, result } = await measurePeakBytes(() =>
      tf.tidy(() => tf.sum(tf.add(tf.ones([256, 256]), tf.ones([256, 256])))),
    );
    // Three 256 x 256 float tensors live at once, then the sum.
    expect(peakBytes).toBeGreaterThanOrEqual(3 * 256 * 256 * 4);
    expect(peakBytes).toBeLessThan(4 * 256 * 256 * 4);
    result.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

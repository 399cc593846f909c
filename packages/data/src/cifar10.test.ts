import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCifar10, parseCifar10 } from './cifar10.js';
import { REFERENCE, sha256, testDataPath } from './test-helpers.js';

describe('CIFAR-10 binary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalespace-cifar-'));
    await copyFile(testDataPath('cifar10-tiny.bin'), join(dir, 'test_batch.bin'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns the planar records into HWC pixels as NumPy does', async () => {
    const ref = REFERENCE['cifar10-tiny'];
    const ds = await loadCifar10({ dir, split: 'test' });
    expect(ds.size).toBe(4);
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(Array.from(ds.labels ?? [])).toEqual(ref.labels);
    expect(sha256(ds.data)).toBe(ref.sha256);
    for (const [r, y, x, c, v] of ref.pixels) expect(ds.get(r)[(y * 32 + x) * 3 + c]).toBe(v);
  });

  it('truncated, corrupt, missing or absent files give clear errors', async () => {
    const bytes = await readFile(testDataPath('cifar10-tiny.bin'));
    expect(() => parseCifar10(bytes.subarray(0, bytes.length - 100))).toThrow(/not a whole number of 3073-byte/);
    const bad = Uint8Array.from(bytes);
    bad[3073 * 2] = 42;
    expect(() => parseCifar10(bad)).toThrow(/record 2 has label 42/);
    await expect(loadCifar10({ dir, split: 'train' })).rejects.toThrow(
      /no CIFAR-10 train files \(data_batch_1.bin\).*cifar-10-binary/,
    );
    await expect(loadCifar10()).rejects.toThrow(/https:\/\/www.cs.toronto.edu\/~kriz\/cifar.html/);
  });
});

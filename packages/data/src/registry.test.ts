import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePackedDataset } from './packed.js';
import { hasTestSplit, loadDataset } from './registry.js';
import { REFERENCE, sha256 } from './test-helpers.js';

describe('loadDataset', () => {
  it('knows the built-in names and paths', async () => {
    const mnist = await loadDataset('mnist', { split: 'test' });
    expect(sha256(mnist.data)).toBe(REFERENCE.mnist.test.sha256);
    const dir = await mkdtemp(join(tmpdir(), 'scalespace-registry-'));
    try {
      const fixtures = await loadDataset('fixtures', { size: 24, cache: dir });
      expect(fixtures.shape).toEqual([24, 24, 3]);
      expect(fixtures.size).toBe(7);
      await writePackedDataset(join(dir, 'm.sspack'), mnist.take(5));
      const packed = await loadDataset(`packed:${join(dir, 'm.sspack')}`);
      expect(sha256(packed.data)).toBe(sha256(mnist.take(5).data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(hasTestSplit('mnist')).toBe(true);
    expect(hasTestSplit('cifar10:/x')).toBe(true);
    expect(hasTestSplit('folder:/x')).toBe(false);
  });

  it('unknown names, empty paths and bad splits are clear errors', async () => {
    await expect(loadDataset('cifar-100')).rejects.toThrow(
      /unknown dataset "cifar-100"; use one of mnist, fashion-mnist/,
    );
    await expect(loadDataset('folder:')).rejects.toThrow(/put a path after the colon/);
    await expect(loadDataset('folder')).rejects.toThrow(/unknown dataset/);
    await expect(loadDataset('mnist', { split: 'val' as 'test' })).rejects.toThrow(/split must be train or test/);
    await expect(loadDataset('cifar10')).rejects.toThrow(/cifar-10-binary/);
  });
});

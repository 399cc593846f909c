import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnist } from './builtin.js';
import { ImageDataset } from './dataset.js';
import { decodePacked, encodePacked, packedHeader, readPackedDataset, writePackedDataset } from './packed.js';
import { sha256, tempDir } from './test-helpers.js';

describe('packed dataset files', () => {
  const tmp = tempDir('scalespace-packed-');

  it('round-trips MNIST byte for byte (pixels, labels, source), and re-encodes to the same file', async () => {
    const mnist = await loadMnist('test');
    const file = join(tmp.path, 'mnist-test.sspack');
    await writePackedDataset(file, mnist, { key: 'k1' });
    const back = await readPackedDataset(file);
    expect(back.size).toBe(10000);
    expect(back.shape).toEqual([28, 28, 1]);
    expect(sha256(back.data)).toBe(sha256(mnist.data));
    expect(Array.from(back.labels ?? [])).toEqual(Array.from(mnist.labels ?? []));
    expect(back.source.name).toBe('mnist:test');
    const bytes = await readFile(file);
    expect(sha256(encodePacked(back, 'k1'))).toBe(sha256(bytes));
    expect(packedHeader(bytes).pixels.offset % 8).toBe(0);
    expect(packedHeader(bytes).labels?.offset).toBe(
      Math.ceil((packedHeader(bytes).pixels.offset + 10000 * 784) / 4) * 4,
    );
  });

  it('round-trips odd sizes without labels, and the empty dataset', () => {
    const odd = new ImageDataset(
      Uint8Array.from({ length: 3 * 5 * 7 }, (_, i) => (i * 37) % 256),
      [5, 7, 1],
      {
        name: 'odd ünïcode',
        path: '/x',
      },
    );
    const { dataset, key } = decodePacked(encodePacked(odd, 'key'));
    expect(key).toBe('key');
    expect(Array.from(dataset.data)).toEqual(Array.from(odd.data));
    expect(dataset.labels).toBeNull();
    expect(dataset.source.name).toBe('odd ünïcode');
    const empty = new ImageDataset(new Uint8Array(0), [2, 2, 3], { name: 'empty', path: '' }, new Int32Array(0));
    expect(decodePacked(encodePacked(empty)).dataset.size).toBe(0);
  });

  it('truncated, extended or corrupt files are clear errors', async () => {
    const ds = new ImageDataset(
      new Uint8Array(64).fill(9),
      [4, 4, 1],
      { name: 't', path: '' },
      Int32Array.of(1, 2, 3, 4),
    );
    const bytes = encodePacked(ds);
    expect(() => decodePacked(bytes.subarray(0, bytes.length - 1))).toThrow(
      /truncated or corrupt, delete it to rebuild/,
    );
    expect(() => decodePacked(new Uint8Array([...bytes, 0]))).toThrow(/truncated or corrupt/);
    expect(() => decodePacked(bytes.subarray(0, 20))).toThrow(/truncated header/);
    const badJson = Uint8Array.from(bytes);
    badJson[12] = 0x7b + 1;
    expect(() => decodePacked(badJson)).toThrow(/corrupt header/);
    expect(() => decodePacked(new TextEncoder().encode('not a pack at all'))).toThrow(/bad magic/);
    const file = join(tmp.path, 'cut.sspack');
    const cutAt = packedHeader(bytes).pixels.offset + 10;
    await writeFile(file, bytes.subarray(0, cutAt));
    await expect(readPackedDataset(file)).rejects.toThrow(
      new RegExp(`cut.sspack": expected ${bytes.length} bytes from its header, found ${cutAt}`),
    );
    await expect(readPackedDataset(join(tmp.path, 'absent.sspack'))).rejects.toThrow(/cannot read packed dataset/);
  });
});

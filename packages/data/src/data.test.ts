import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tf } from '@scalespace/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchSampler, batches } from './batching.js';
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist, loadMnist } from './builtin.js';
import { ImageDataset } from './dataset.js';
import { FIXTURES, fixtureDir, loadFixture } from './fixtures.js';
import { loadImageFolder } from './folder.js';
import { parseIdx } from './idx.js';
import { LFW_SUBSET_DEBIAN_PATH, loadLfwSubset, parseNpy } from './npy.js';
import { randomPatches } from './patches.js';

let dir: string;
const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

describe('MNIST and IDX', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'scalespace-data-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the known counts, shapes, labels and pixel checksums', async () => {
    const train = await loadMnist('train');
    const test = await loadMnist('test');
    expect(train.size).toBe(60000);
    expect(test.size).toBe(10000);
    expect(train.shape).toEqual([28, 28, 1]);
    expect(Array.from(train.labels?.subarray(0, 5) ?? [])).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels?.subarray(0, 3) ?? [])).toEqual([7, 2, 1]);
    // Checksums of the first images' bytes, computed with numpy from the same IDX files.
    expect(sum(train.get(0))).toBe(27525);
    expect(sum(test.get(0))).toBe(18454);
  });

  it('IDX: gzip and raw parse the same; truncated and corrupt files fail clearly', () => {
    const raw = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const a = parseIdx(raw);
    const b = parseIdx(gzipSync(raw));
    expect(a.dims).toEqual([2, 3]);
    expect(Array.from(b.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseIdx(raw.subarray(0, 15))).toThrow(/truncated or corrupt/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not an IDX file/);
    expect(() => parseIdx(gzipSync(raw).subarray(0, 20))).toThrow(/corrupt or truncated gzip/);
  });

  it('Fashion-MNIST loads where installed, and otherwise says how to get it', async () => {
    if (!existsSync(join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'))) {
      await expect(loadFashionMnist('test')).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
      console.info(`Fashion-MNIST not installed at ${FASHION_MNIST_DEBIAN_DIR}: checked the error message only`);
      return;
    }
    const test = await loadFashionMnist('test');
    expect(test.size).toBe(10000);
    expect(test.shape).toEqual([28, 28, 1]);
  });
});

describe('batching', () => {
  const small = () =>
    new ImageDataset(
      Uint8Array.from({ length: 10 * 2 * 2 }, (_, i) => i),
      [2, 2, 1],
      { name: 'toy', path: '' },
      Int32Array.from({ length: 10 }, (_, i) => i),
    );

  it('each epoch covers every image once; the same seed gives the same batches', () => {
    const data = small();
    const a = new BatchSampler(data, { batchSize: 3, seed: 4 });
    const b = new BatchSampler(data, { batchSize: 3, seed: 4 });
    expect(a.batchesPerEpoch).toBe(3);
    const epoch = [0, 1, 2].flatMap((s) => a.indicesAt(s));
    expect(new Set(epoch).size).toBe(9);
    expect(a.indicesAt(5)).toEqual(b.indicesAt(5));
    expect([3, 4, 5].flatMap((s) => a.indicesAt(s))).not.toEqual(epoch); // reshuffled next epoch
    const batch = a.batch(1);
    expect(Array.from(batch.labels?.dataSync() ?? [])).toEqual(a.indicesAt(1));
    tf.dispose([batch.images, batch.labels as tf.Tensor]);
    expect([...batches(data, { batchSize: 5, epochs: 2 })].length).toBe(4);
  });

  it('quantises to the top bits and pads 28 -> 32', async () => {
    const mnist = (await loadMnist('test')).take(8);
    const sampler = new BatchSampler(mnist, { batchSize: 4, shuffle: false, format: { bits: 5 }, augment: { pad: 2 } });
    const { images } = sampler.batch(0);
    expect(images.shape).toEqual([4, 32, 32, 1]);
    expect(images.dtype).toBe('int32');
    const v = images.dataSync();
    expect(Math.max(...v)).toBeLessThanOrEqual(31);
    expect(v[0]).toBe(0); // padding
    // Pixel (row 10, col 10) of image 0 after padding is the original (8, 8) >> 3.
    expect(v[12 * 32 + 12]).toBe(mnist.get(0)[10 * 28 + 10] >> 3);
    images.dispose();
  });

  it('random crops and flips stay within the image and are seeded', () => {
    const data = small();
    const s1 = new BatchSampler(data, { batchSize: 2, seed: 1, augment: { crop: [1, 1], flip: true } });
    const s2 = new BatchSampler(data, { batchSize: 2, seed: 1, augment: { crop: [1, 1], flip: true } });
    const a = s1.batch(0);
    const b = s2.batch(0);
    expect(a.images.shape).toEqual([2, 1, 1, 1]);
    expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
    tf.dispose([a.images, b.images, a.labels as tf.Tensor, b.labels as tf.Tensor]);
    expect(() => new BatchSampler(data, { batchSize: 11 })).toThrow(/larger than the dataset/);
  });
});

describe('images: fixtures, folders, patches, npy', () => {
  it('ships the seven CC0 fixtures and loads them as float images', async () => {
    expect(FIXTURES.length).toBe(7);
    const coffee = await loadFixture('coffee');
    expect(coffee.shape).toEqual([128, 192, 3]);
    const grass = await loadFixture('grass');
    expect(grass.shape).toEqual([192, 192, 1]);
    tf.dispose([coffee, grass]);
  });

  it('loads a folder at one size with the centre-crop policy, and rejects mixed sizes without one', async () => {
    const ds = await loadImageFolder(fixtureDir(), { size: 64, channels: 3 });
    expect(ds.size).toBe(7);
    expect(ds.shape).toEqual([64, 64, 3]);
    await expect(loadImageFolder(fixtureDir())).rejects.toThrow(/pass \{ size \}/);
    await expect(loadImageFolder('/definitely/not/here')).rejects.toThrow(/cannot read folder/);
  });

  it('cuts seeded random patches', async () => {
    const images = [await loadFixture('brick'), await loadFixture('gravel')];
    const a = randomPatches(images, { size: 40, count: 6, seed: 3 });
    const b = randomPatches(images, { size: 40, count: 6, seed: 3 });
    expect(a.shape).toEqual([6, 40, 40, 1]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBe(0);
    expect(() => randomPatches(images, { size: 400, count: 1 })).toThrow(/smaller than/);
    tf.dispose([a, b, ...images]);
  });

  it('parses .npy files and loads the LFW subset where installed', async () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
    const total = Math.ceil((10 + header.length + 1) / 64) * 64;
    const padded = `${header}${' '.repeat(total - 10 - header.length - 1)}\n`;
    const bytes = new Uint8Array(10 + padded.length + 16);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
    new DataView(bytes.buffer).setUint16(8, padded.length, true);
    bytes.set(new TextEncoder().encode(padded), 10);
    new Float32Array(bytes.buffer, 10 + padded.length, 4).set([0.5, 1, -2, 3]);
    const npy = parseNpy(bytes);
    expect(npy.shape).toEqual([2, 2]);
    expect(Array.from(npy.values)).toEqual([0.5, 1, -2, 3]);
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    if (!existsSync(LFW_SUBSET_DEBIAN_PATH)) {
      await expect(loadLfwSubset()).rejects.toThrow(/python3-skimage/);
      return;
    }
    const lfw = await loadLfwSubset();
    expect(lfw.size).toBe(100);
    expect(lfw.shape).toEqual([25, 25, 1]);
  });
});

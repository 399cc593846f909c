import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidImageError } from './errors.js';
import { imageGrid, readImage, writeAnimatedGif, writeImage } from './image-io.js';
import { tf } from './tf.js';

let dir: string;

/** An image whose 8-bit values are exactly representable: k / 255. */
function eightBit(h: number, w: number, c: number): tf.Tensor3D {
  const values = Float32Array.from({ length: h * w * c }, (_, i) => ((i * 37) % 256) / 255);
  return tf.tensor3d(values, [h, w, c]);
}

describe('image I/O', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'scalespace-img-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 3, 4] as const)('PNG round trip is exact for %i channels', async (c) => {
    const before = tf.memory().numTensors;
    const img = eightBit(7, 5, c);
    const path = join(dir, `rt${c}.png`);
    await writeImage(path, img);
    const back = await readImage(path);
    expect(back.shape).toEqual([7, 5, c]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(back, img))).dataSync()[0])).toBe(0);
    tf.dispose([img, back]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('converts channels on request', async () => {
    const rgb = eightBit(4, 4, 3);
    const path = join(dir, 'rgb.png');
    await writeImage(path, rgb);
    const grey = await readImage(path, { channels: 1 });
    const rgba = await readImage(path, { channels: 4 });
    expect(grey.shape).toEqual([4, 4, 1]);
    expect(rgba.shape).toEqual([4, 4, 4]);
    expect(tf.tidy(() => tf.min(tf.slice(rgba, [0, 0, 3], [4, 4, 1])).dataSync()[0])).toBe(1); // opaque alpha
    await expect(readImage(path, { channels: 2 as 1 })).rejects.toThrow(InvalidArgumentError);
    tf.dispose([rgb, grey, rgba]);
  });

  it('writes JPEG and WebP, and a 4-D batch of one', async () => {
    const img = tf.expandDims(eightBit(16, 16, 3), 0);
    for (const ext of ['jpg', 'webp']) {
      const path = join(dir, `img.${ext}`);
      await writeImage(path, img);
      const back = await readImage(path);
      expect(back.shape).toEqual([16, 16, 3]);
      back.dispose();
    }
    img.dispose();
  });

  it('gives clear errors for unreadable files, bad tensors and unknown formats', async () => {
    const junk = join(dir, 'junk.png');
    await writeFile(junk, 'this is not a png');
    await expect(readImage(junk)).rejects.toThrow(InvalidImageError);
    await expect(readImage(join(dir, 'missing.png'))).rejects.toThrow(/cannot read image/);
    const nan = tf.tensor3d([Number.NaN, 0, 0], [1, 1, 3]);
    await expect(writeImage(join(dir, 'nan.png'), nan)).rejects.toThrow(/NaN/);
    const two = tf.zeros([3, 3, 2]);
    await expect(writeImage(join(dir, 'two.png'), two)).rejects.toThrow(
      /expected \[H, W, C\] with C = 1, 3 or 4, got \[3, 3, 2\]/,
    );
    const flat = tf.zeros([3, 3]);
    await expect(writeImage(join(dir, 'flat.png'), flat)).rejects.toThrow(/expandDims/);
    const ok = tf.zeros([2, 2, 3]);
    await expect(writeImage(join(dir, 'file.bmp'), ok)).rejects.toThrow(/\.png, \.jpg/);
    tf.dispose([nan, two, flat, ok]);
  });

  it('writeAnimatedGif writes one page a frame with the delay and loop asked for', async () => {
    const before = tf.memory().numTensors;
    // Flat frames (red, green, blue, white): a GIF palette holds them exactly.
    const colours = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 1, 1],
    ];
    const frames = tf.tidy(() => tf.stack(colours.map((c) => tf.mul(tf.ones([6, 5, 3]), c)))) as tf.Tensor4D;
    const path = join(dir, 'walk.gif');
    await writeAnimatedGif(path, frames, { delayMs: 50, loop: 2 });
    const sharp = (await import('sharp')).default;
    const meta = await sharp(path, { animated: true }).metadata();
    expect([meta.format, meta.pages, meta.pageHeight, meta.width, meta.loop]).toEqual(['gif', 4, 6, 5, 2]);
    expect(meta.delay).toEqual([50, 50, 50, 50]);
    for (const [page, colour] of colours.entries()) {
      const { data } = await sharp(path, { page }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect(Array.from(data.subarray(0, 3))).toEqual(colour.map((v) => v * 255));
      expect(data.every((v, i) => v === colour[i % 3] * 255)).toBe(true);
    }
    const one = tf.zeros([6, 5, 3]) as unknown as tf.Tensor4D;
    await expect(writeAnimatedGif(join(dir, 'one.gif'), one)).rejects.toThrow(
      /expected frames \[T, H, W, C\], got \[6, 5, 3\]/,
    );
    tf.dispose([frames, one]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('imageGrid tiles images in rows with padding', () => {
    const before = tf.memory().numTensors;
    const batch = tf.tidy(() =>
      tf.stack([tf.fill([2, 3, 1], 0.1), tf.fill([2, 3, 1], 0.2), tf.fill([2, 3, 1], 0.3)]),
    ) as tf.Tensor4D;
    const grid = imageGrid(batch, { columns: 2, padding: 1, background: 1 });
    // 2 rows x 2 columns of 2x3 tiles with 1-pixel borders: (2+1)*2+1 by (3+1)*2+1.
    expect(grid.shape).toEqual([7, 9, 1]);
    const v = grid.arraySync() as number[][][];
    expect(v[1][1][0]).toBeCloseTo(0.1);
    expect(v[1][5][0]).toBeCloseTo(0.2);
    expect(v[4][1][0]).toBeCloseTo(0.3);
    expect(v[4][5][0]).toBe(1); // the empty fourth cell is background
    expect(v[0][0][0]).toBe(1);
    tf.dispose([batch, grid]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

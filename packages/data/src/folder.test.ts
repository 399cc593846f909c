import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, fixturePath } from './fixtures.js';
import { listImages, loadImageFolder } from './folder.js';
import { loadImage, readImageBytes } from './image-file.js';
import { noLeaks, pattern, sha256, tempDir, writePng } from './test-helpers.js';

describe('image folders', () => {
  const tmp = tempDir('scalespace-folder-');

  it('lists image files recursively and in sorted order, skipping hidden and non-image files', async () => {
    const dir = join(tmp.path, 'list');
    await mkdir(join(dir, 'b', 'deeper'), { recursive: true });
    await mkdir(join(dir, '.hidden'), { recursive: true });
    for (const f of ['z.png', 'a.JPG', 'b/deeper/c.webp', 'b/n.txt', '.hidden/h.png', '.dot.png'])
      await writeFile(join(dir, f), '');
    const files = await listImages(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['a.JPG', 'b/deeper/c.webp', 'z.png']);
  });

  it('decodes PNGs exactly and loads the fixtures at one size', async () => {
    const dir = join(tmp.path, 'exact');
    await mkdir(dir, { recursive: true });
    const pixels = pattern(12, 17, 3, 4);
    await writePng(join(dir, 'p.png'), pixels, 12, 17, 3);
    const raw = await readImageBytes(join(dir, 'p.png'));
    expect([raw.height, raw.width, raw.channels]).toEqual([12, 17, 3]);
    expect(sha256(raw.data)).toBe(sha256(pixels));
    const ds = await loadImageFolder(dir, { cache: false });
    expect(ds.shape).toEqual([12, 17, 3]);
    expect(sha256(ds.data)).toBe(sha256(pixels));
    const fixtures = await loadImageFolder(fixtureDir(), { size: 48, channels: 3, cache: false });
    expect(fixtures.size).toBe(7);
    expect(fixtures.shape).toEqual([48, 48, 3]);
  });

  it('reports progress per file and stops when aborted', async () => {
    const events: number[] = [];
    await loadImageFolder(fixtureDir(), { size: 16, cache: false, onProgress: (e) => events.push(e.step) });
    expect(events).toEqual([2, 4, 6, 7]);
    const controller = new AbortController();
    controller.abort();
    await expect(loadImageFolder(fixtureDir(), { size: 16, cache: false, signal: controller.signal })).rejects.toThrow(
      /decoding images aborted/,
    );
  });

  it('loadImage gives float [H, W, C] with a size policy (SinGAN-style longer side)', async () => {
    const image = await loadImage(fixturePath('coffee'), { size: 96, policy: 'longer-side' });
    expect(image.shape).toEqual([64, 96, 3]);
    const values = image.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    image.dispose();
    await noLeaks(() => readImageBytes(fixturePath('coffee'), { size: 32 }));
  });

  it('mixed sizes without a policy, empty folders, missing folders and corrupt files are clear errors', async () => {
    await expect(loadImageFolder(fixtureDir(), { cache: false })).rejects.toThrow(/pass \{ size \} with a policy/);
    await mkdir(join(tmp.path, 'empty'), { recursive: true });
    await expect(loadImageFolder(join(tmp.path, 'empty'))).rejects.toThrow(/no images .* found below/);
    await expect(loadImageFolder('/definitely/not/here')).rejects.toThrow(/cannot read folder/);
    const bad = join(tmp.path, 'bad');
    await mkdir(bad, { recursive: true });
    const png = await readFile(fixturePath('brick'));
    await writeFile(join(bad, 'cut.png'), png.subarray(0, Math.floor(png.length / 2)));
    await expect(loadImageFolder(bad, { size: 16, cache: false })).rejects.toThrow(
      /cannot decode ".*cut.png".*corrupt, truncated or not an image/,
    );
    await writeFile(join(bad, 'cut.png'), 'this is text, not a PNG');
    await expect(loadImageFolder(bad, { size: 16, cache: false })).rejects.toThrow(/cannot decode/);
    await copyFile(fixturePath('brick'), join(bad, 'cut.png'));
    await expect(loadImageFolder(bad, { size: 16, policy: 'zoom' as 'none' })).rejects.toThrow(/unknown size policy/);
  });
});

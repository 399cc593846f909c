import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir } from './cache.js';
import { loadImageFolder } from './folder.js';
import { pattern, sha256, writePng } from './test-helpers.js';

describe('packed cache of an image folder', () => {
  let root: string;
  let photos: string;
  let cache: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'scalespace-cache-'));
    photos = join(root, 'photos');
    cache = join(root, 'cache');
    await mkdir(join(photos, 'sub'), { recursive: true });
    await writePng(join(photos, 'a.png'), pattern(40, 60, 3, 1), 40, 60, 3);
    await writePng(join(photos, 'sub', 'b.png'), pattern(50, 50, 3, 2), 50, 50, 3);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('builds once, then loads byte-identical data from the cache', async () => {
    const first = await loadImageFolder(photos, { size: 16, cache });
    expect(first.source.cache).toMatchObject({ hit: false, rebuilt: 'absent' });
    const second = await loadImageFolder(photos, { size: 16, cache });
    expect(second.source.cache).toMatchObject({ hit: true, path: first.source.cache?.path });
    expect(second.shape).toEqual([16, 16, 3]);
    expect(sha256(second.data)).toBe(sha256(first.data));
    const uncached = await loadImageFolder(photos, { size: 16, cache: false });
    expect(uncached.source.cache).toBeUndefined();
    expect(sha256(uncached.data)).toBe(sha256(first.data));
  });

  it('is rebuilt when an option changes (a separate file per option set)', async () => {
    const a = await loadImageFolder(photos, { size: 16, cache });
    const b = await loadImageFolder(photos, { size: 16, policy: 'stretch', cache });
    const c = await loadImageFolder(photos, { size: 16, channels: 1, cache });
    expect(a.source.cache?.hit).toBe(true);
    expect(b.source.cache?.hit).toBe(false);
    expect(c.source.cache?.hit).toBe(false);
    expect(new Set([a, b, c].map((d) => d.source.cache?.path)).size).toBe(3);
    expect(sha256(b.data)).not.toBe(sha256(a.data));
    expect(c.shape).toEqual([16, 16, 1]);
    expect((await loadImageFolder(photos, { size: 16, policy: 'stretch', cache })).source.cache?.hit).toBe(true);
  });

  it('is rebuilt when a source file changes or is added', async () => {
    const before = await loadImageFolder(photos, { size: 16, cache });
    await writePng(join(photos, 'a.png'), pattern(40, 60, 3, 9), 40, 60, 3);
    const after = await loadImageFolder(photos, { size: 16, cache });
    expect(after.source.cache).toMatchObject({
      hit: false,
      rebuilt: 'source or options changed',
      path: before.source.cache?.path,
    });
    expect(sha256(after.data)).not.toBe(sha256(before.data));
    await writePng(join(photos, 'c.png'), pattern(30, 30, 3, 3), 30, 30, 3);
    const more = await loadImageFolder(photos, { size: 16, cache });
    expect(more.size).toBe(3);
    expect(more.source.cache?.hit).toBe(false);
  });

  it('a truncated or corrupt cache file is rebuilt; an unwritable cache is skipped', async () => {
    const good = await loadImageFolder(photos, { size: 16, cache });
    const path = good.source.cache?.path as string;
    await truncate(path, 50);
    const rebuilt = await loadImageFolder(photos, { size: 16, cache });
    expect(rebuilt.source.cache?.hit).toBe(false);
    expect(rebuilt.source.cache?.rebuilt).toMatch(/truncated/);
    expect(sha256(rebuilt.data)).toBe(sha256(good.data));
    expect((await readFile(path)).length).toBeGreaterThan(16 * 16 * 3 * 3);
    const blocker = join(root, 'a-file');
    await writeFile(blocker, 'not a directory');
    const skipped = await loadImageFolder(photos, { size: 16, cache: join(blocker, 'cache') });
    expect(skipped.source.cache?.error).toBeTruthy();
    expect(sha256(skipped.data)).toBe(sha256(good.data));
  });

  it('default directory: SCALESPACE_CACHE_DIR, else XDG_CACHE_HOME', () => {
    const saved = { dir: process.env.SCALESPACE_CACHE_DIR, xdg: process.env.XDG_CACHE_HOME };
    try {
      process.env.SCALESPACE_CACHE_DIR = '/tmp/ss-cache';
      expect(cacheDir(true)).toBe('/tmp/ss-cache');
      delete process.env.SCALESPACE_CACHE_DIR;
      process.env.XDG_CACHE_HOME = '/tmp/xdg';
      expect(cacheDir()).toBe('/tmp/xdg/scalespace/data');
      expect(cacheDir(false)).toBeNull();
      expect(() => cacheDir(3 as unknown as boolean)).toThrow(/cache must be true, false or a directory/);
    } finally {
      if (saved.dir === undefined) delete process.env.SCALESPACE_CACHE_DIR;
      else process.env.SCALESPACE_CACHE_DIR = saved.dir;
      if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved.xdg;
    }
  });
});

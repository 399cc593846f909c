import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNative } from '@scalespace/native';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { run } from './run-cli.test-helper.js';

// initBackend() climbs to the native rung where @scalespace/native's addon is built, else to wasm.
const expectedBackend = loadNative().available ? 'native' : 'wasm';

describe('scalespace CLI', () => {
  it('info --json prints backend, versions and packages on stdout only', async () => {
    const { code, stdout } = await run(['info', '--json']);
    expect(code).toBe(0);
    const info = JSON.parse(stdout);
    expect(info.backend).toBe(expectedBackend);
    expect(info.tfjs).toBe('4.22.0');
    expect(info.node).toBe(process.versions.node);
    expect(info.packages['@scalespace/core']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists commands, and rejects unknown commands and options with usage', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('demo');
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
    const badOption = await run(['info', '--colour']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('Usage: scalespace info');
  });

  it('demo --only core trains on the best backend with a falling loss and writes the report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'scalespace-demo-'));
    try {
      const { code, stdout } = await run(['demo', '--only', 'core', '--out', out, '--json']);
      expect(code).toBe(0);
      const result = JSON.parse(stdout);
      const core = result.sections.find((s: { id: string }) => s.id === 'core');
      expect(core.summary.backend).toBe(expectedBackend);
      expect(core.summary.lossRatio).toBeLessThan(0.8);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
      expect(report.sections[0].id).toBe('core');
      const html = await readFile(join(out, 'index.html'), 'utf8');
      expect(html).toContain('core/loss.svg');
      expect((await readFile(join(out, 'core', 'reconstructions.png'))).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('an aborted run exits with 130', async () => {
    const controller = new AbortController();
    controller.abort(new Error('test abort'));
    const out = await mkdtemp(join(tmpdir(), 'scalespace-demo-'));
    let stderr = '';
    const code = await main(['demo', '--only', 'core', '--out', out], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      signal: controller.signal,
    });
    await rm(out, { recursive: true, force: true });
    expect(code).toBe(130);
    expect(stderr).toContain('aborted');
  });
});

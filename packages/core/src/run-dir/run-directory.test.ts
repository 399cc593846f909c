import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDirectoryError } from '../errors.js';
import { contentHash, fingerprintDifferences } from './fingerprint.js';
import { LOCK_FILE } from './lock.js';
import { RUN_FILE, RunDirectory } from './run-directory.js';
import { LOG_FILE, readRunLog } from './run-log.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'scalespace-rundir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The PID of a process that has exited (so a lock naming it is stale). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const base = { trainer: 'test', fingerprint: { data: 'abc', options: { lr: 0.1, steps: 10 } } };

describe('fingerprints', () => {
  it('names each differing field, ignores mutable paths and fields the new one leaves out', () => {
    const saved = { data: 'abc', options: { lr: 0.1, steps: 10, sizes: [1, 2] } };
    expect(fingerprintDifferences(saved, saved)).toEqual([]);
    expect(fingerprintDifferences(saved, { data: 'xyz', options: { lr: 0.2, steps: 10, sizes: [1, 3] } })).toEqual([
      'data: "abc" -> "xyz"',
      'options.lr: 0.1 -> 0.2',
      'options.sizes: [1,2] -> [1,3]',
    ]);
    expect(fingerprintDifferences(saved, { options: { steps: 20 } }, ['options.steps'])).toEqual([]);
    expect(fingerprintDifferences(saved, { options: { seed: 1 } })).toEqual(['options.seed: unset -> 1']);
  });

  it('hashes content, not just lengths', async () => {
    const a = await contentHash(new Uint8Array([1, 2, 3]), 'x');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(await contentHash(new Uint8Array([1, 2, 3]), 'x')).toBe(a);
    expect(await contentHash(new Uint8Array([1, 2, 4]), 'x')).not.toBe(a);
    expect(await contentHash('ab', 'c')).not.toBe(await contentHash('a', 'bc'));
    // Parts in an array hash as if spread out, and a list far longer than a spread allows works.
    expect(await contentHash([new Uint8Array([1, 2, 3]), 'x'])).toBe(a);
    const many = Array.from({ length: 200_000 }, (_, i) => String(i % 7));
    expect(await contentHash(many)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('RunDirectory', () => {
  it('a fresh run records itself, logs line by line and, locked, refuses a second run', async () => {
    const dir = join(root, 'fresh');
    const run = await RunDirectory.open({ ...base, dir });
    expect(run.resuming).toBe(false);
    expect(JSON.parse(await readFile(join(dir, RUN_FILE), 'utf8'))).toMatchObject(base);
    run.log({ step: 1, loss: 0.5 });
    // Written at once, not buffered.
    expect(await readRunLog(join(dir, LOG_FILE))).toEqual([{ step: 1, loss: 0.5 }]);
    await expect(RunDirectory.open({ ...base, dir, resume: true })).rejects.toThrow(/in use by another run/);
    await run.checkpoint(async () => undefined);
    await run.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a non-empty directory without --resume, naming --resume and --force', async () => {
    const dir = join(root, 'fresh');
    const error = await RunDirectory.open({ ...base, dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunDirectoryError);
    expect((error as Error).message).toMatch(/already holds a training run; pass --resume .* --force/);
    const other = join(root, 'photos');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'cat.png'), 'not ours');
    await expect(RunDirectory.open({ ...base, dir: other })).rejects.toThrow(/already holds 1 file/);
    // --force removes the run's own files only.
    const forced = await RunDirectory.open({ ...base, dir: other, force: true });
    await forced.close();
    expect((await readdir(other)).sort()).toEqual(['cat.png', LOG_FILE, RUN_FILE].sort());
  });

  it('resumes only a run that exists, with the same fingerprint (mutable paths aside)', async () => {
    await expect(RunDirectory.open({ ...base, dir: join(root, 'nothing'), resume: true })).rejects.toThrow(
      /holds no training run to continue; drop --resume/,
    );
    expect(existsSync(join(root, 'nothing'))).toBe(false);
    const dir = join(root, 'fresh');
    const changed = { trainer: 'test', fingerprint: { data: 'abd', options: { lr: 0.1, steps: 20 } } };
    await expect(RunDirectory.open({ ...changed, dir, resume: true })).rejects.toThrow(
      /different config or data \(data: "abc" -> "abd"; options.steps: 10 -> 20\)/,
    );
    await expect(RunDirectory.open({ ...base, trainer: 'other', dir, resume: true })).rejects.toThrow(
      /holds a test run, not other/,
    );
    const run = await RunDirectory.open({
      ...base,
      fingerprint: { data: 'abc', options: { lr: 0.1, steps: 20 } },
      mutable: ['options.steps'],
      dir,
      resume: true,
    });
    expect(run.resuming).toBe(true);
    await run.close();
  });

  it('cuts the log back to the checkpoint on resume, dropping a torn last line', async () => {
    const dir = join(root, 'log');
    const run = await RunDirectory.open({ ...base, dir });
    for (let step = 1; step <= 5; step++) run.log({ step });
    await run.close();
    await writeFile(join(dir, LOG_FILE), `${await readFile(join(dir, LOG_FILE), 'utf8')}{"step": 6, "lo`);
    const resumed = await RunDirectory.open({ ...base, dir, resume: true });
    await resumed.resumeLog((e) => (e.step as number) <= 3);
    resumed.log({ step: 4 });
    await resumed.close();
    expect((await readRunLog(join(dir, LOG_FILE))).map((e) => e.step)).toEqual([1, 2, 3, 4]);
  });

  it('takes over the lock of a dead run and removes its half-written temporary files', async () => {
    const dir = join(root, 'stale');
    await mkdir(dir, { recursive: true });
    const pid = deadPid();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, host: (await import('node:os')).hostname() }));
    await writeFile(join(dir, `.model.safetensors.${pid}.k3j2.tmp`), 'half');
    await writeFile(join(dir, RUN_FILE), JSON.stringify({ format: 'scalespace-run/1', ...base }));
    const run = await RunDirectory.open({ ...base, dir, resume: true });
    expect((await readdir(dir)).sort()).toEqual([LOCK_FILE, LOG_FILE, RUN_FILE].sort());
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await run.close();
  });

  it('a fresh run that fails before its first checkpoint leaves nothing; one that checkpointed stays', async () => {
    const dir = join(root, 'failed', 'deep');
    const run = await RunDirectory.open({ ...base, dir });
    run.log({ step: 1 });
    await run.close(new Error('boom'));
    expect(existsSync(join(root, 'failed'))).toBe(false);
    const kept = join(root, 'kept');
    const second = await RunDirectory.open({ ...base, dir: kept });
    await second.checkpoint(async () => undefined);
    await second.close(new Error('boom'));
    expect(existsSync(join(kept, RUN_FILE))).toBe(true);
  });
});

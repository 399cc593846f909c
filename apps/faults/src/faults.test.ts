import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { formatTable, runSuite } from './suite.js';

// The fault suite at CI scale: every trainer, 5 kills, one Ctrl-C, two runs into one folder, a full
// disk. `pnpm test:faults` runs it larger.
it('every trainer survives kill -9, Ctrl-C, a second run and a full disk, and resumes byte for byte', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scalespace-faults-'));
  const { rows, seed, seconds } = await runSuite({
    dir,
    kills: 5,
    interrupts: 1,
    log: (line) => process.stdout.write(`faults: ${line}\n`),
  });
  const table = formatTable(rows);
  console.log(`${table}\n\nseed ${seed}, ${seconds.toFixed(0)} s`);
  for (const r of rows) {
    const where = `${r.trainer} / ${r.scenario} (seed ${seed})`;
    expect(r.outcome.problems, where).toEqual([]);
    expect(r.outcome.held, where).toBe(r.outcome.tried);
    expect(r.outcome.identical, where).toBe(r.outcome.runs);
  }
  const kills = rows.filter((r) => r.scenario === 'kill -9');
  expect(kills).toHaveLength(7);
  for (const r of kills) expect(r.outcome.tried, r.trainer).toBeGreaterThanOrEqual(5);
});

// `pnpm test:faults [--kills N] [--interrupts N] [--only a,b] [--seed S] [--keep]`: the fault suite at
// any scale; prints the table of what was tried and what held, exits 1 if anything did not hold.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, runSuite } from './suite.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    interrupts: { type: 'string', default: '3' },
    only: { type: 'string' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    keep: { type: 'boolean' },
  },
});
const dir = await mkdtemp(join(tmpdir(), 'scalespace-faults-'));
const { rows, seed, seconds } = await runSuite({
  dir,
  kills: Number(values.kills),
  interrupts: Number(values.interrupts),
  concurrency: Number(values.concurrency),
  ...(values.only && { only: values.only.split(',') }),
  ...(values.seed !== undefined && { seed: Number(values.seed) }),
  keep: values.keep === true,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(
  `${formatTable(rows)}\n\nseed ${seed}, ${seconds.toFixed(0)} s${values.keep ? `, runs kept in ${dir}` : ''}\n`,
);
const failed = rows.filter((r) => r.outcome.problems.length > 0 || r.outcome.held < r.outcome.tried);
process.exitCode = failed.length > 0 ? 1 : 0;

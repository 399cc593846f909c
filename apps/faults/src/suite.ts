import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { rng } from '@scalespace/core';
import { runToEnd, start, waitForLock } from './cli.js';
import { type Context, fullDisk, interrupt, killChain, type Outcome, twoRuns } from './scenarios.js';
import { type Fixtures, makeFixtures, type Trainer, trainers } from './trainers.js';

export interface SuiteOptions {
  /** kill -9 per trainer (default 5). */
  kills?: number;
  /** Ctrl-C per trainer (default 1). */
  interrupts?: number;
  /** Only these trainers (default all). */
  only?: string[];
  /** Trainers run at once (default 2). */
  concurrency?: number;
  /** Seed of the random fault times (default: random; printed with the table). */
  seed?: number;
  /** Working folder (removed at the end unless `keep`). */
  dir: string;
  keep?: boolean;
  log?: (line: string) => void;
}

export interface Row {
  trainer: string;
  scenario: 'kill -9' | 'SIGINT' | 'two runs' | 'full disk';
  outcome: Outcome;
  checkpointEvery: number;
}

async function oneTrainer(
  t: Trainer,
  f: Fixtures,
  o: Required<Omit<SuiteOptions, 'only' | 'log'>>,
  log: (l: string) => void,
) {
  const dir = join(f.dir, 'runs', t.name);
  const reference = t.name === 'vdvae' ? f.prior : join(dir, 'reference');
  await mkdir(dir, { recursive: true });
  // The uninterrupted run, timed from the moment its folder is open: faults land in that window.
  const running = start(t.args(reference));
  await waitForLock(reference, running);
  const opened = performance.now();
  const ref = await running.exited;
  if (ref.code !== 0) throw new Error(`${t.name}: the reference run failed: ${ref.stderr}`);
  const window = (performance.now() - opened) / 1000;
  const context = (name: string): Context => ({
    trainer: t,
    reference,
    duration: window,
    dir: join(dir, name),
    rng: rng(o.seed).fork(`${t.name}/${name}`),
  });
  const rows: Row[] = [];
  const add = (scenario: Row['scenario'], outcome: Outcome) => {
    rows.push({ trainer: t.name, scenario, outcome, checkpointEvery: t.checkpointEvery });
    log(
      `${t.name.padEnd(13)} ${scenario.padEnd(9)} ${outcome.held}/${outcome.tried} held, ${outcome.identical}/${outcome.runs} identical${outcome.problems.length ? `: ${outcome.problems.join('; ')}` : ''}`,
    );
  };
  add('kill -9', await killChain(context('kill'), o.kills));
  add('SIGINT', await interrupt(context('sigint'), o.interrupts));
  add('two runs', await twoRuns(context('two')));
  add('full disk', await fullDisk(context('full')));
  return rows;
}

/** Runs every scenario on every trainer; the rows say what was tried and what held. */
export async function runSuite(options: SuiteOptions): Promise<{ rows: Row[]; seed: number; seconds: number }> {
  const started = performance.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const settings = {
    kills: options.kills ?? 5,
    interrupts: options.interrupts ?? 1,
    concurrency: options.concurrency ?? 2,
    seed,
    dir: options.dir,
    keep: options.keep ?? false,
  };
  const log = options.log ?? (() => undefined);
  const f = await makeFixtures(options.dir);
  let list = trainers(f).filter((t) => !options.only || options.only.includes(t.name));
  // CVDVAE trains on the VD-VAE reference: that one goes first.
  const vdvae = list.find((t) => t.name === 'vdvae');
  const rows: Row[] = [];
  try {
    if (list.some((t) => t.name === 'cvdvae')) {
      if (vdvae) {
        rows.push(...(await oneTrainer(vdvae, f, settings, log)));
        list = list.filter((t) => t !== vdvae);
      } else {
        const prior = await runToEnd(
          trainers(f)
            .find((t) => t.name === 'vdvae')
            ?.args(f.prior) ?? [],
        );
        if (prior.code !== 0) throw new Error(`the VD-VAE prior failed: ${prior.stderr}`);
      }
    }
    const queue = [...list];
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) rows.push(...(await oneTrainer(t, f, settings, log)));
      }),
    );
  } finally {
    if (!settings.keep) await rm(options.dir, { recursive: true, force: true });
  }
  const order = trainers(f).map((t) => t.name);
  rows.sort((a, b) => order.indexOf(a.trainer) - order.indexOf(b.trainer));
  return { rows, seed, seconds: (performance.now() - started) / 1000 };
}

/** The table: per trainer and fault, what was tried and what held. */
export function formatTable(rows: Row[]): string {
  const head = ['trainer', 'fault', 'tried', 'held', 'resumed runs identical', 'most steps lost (checkpoint-every)'];
  const body = rows.map((r) => [
    r.trainer,
    r.scenario,
    String(r.outcome.tried),
    String(r.outcome.held),
    `${r.outcome.identical}/${r.outcome.runs}`,
    r.scenario === 'kill -9' || r.scenario === 'SIGINT' ? `${r.outcome.lost} (${r.checkpointEvery})` : '-',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

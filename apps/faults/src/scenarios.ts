import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Rng, readRunLog } from '@scalespace/core';
import {
  comparableLog,
  differences,
  type Exit,
  leftovers,
  runToEnd,
  sleep,
  start,
  waitFor,
  waitForLock,
} from './cli.js';
import type { Trainer } from './trainers.js';

// The faults, one function each. Every scenario ends by running the faulted run to its end and
// comparing it with the trainer's uninterrupted reference run.

export interface Outcome {
  /** Faults that landed (a kill or an interrupt while the run was running, a save that failed). */
  tried: number;
  /** Of those, the ones the run survived as the contract says. */
  held: number;
  /** The most steps a fault cost (finished steps not in the checkpoint resumed from), per phase. */
  lost: number;
  /** Runs resumed to the end and identical to the reference. */
  identical: number;
  runs: number;
  /** What went wrong, if anything. */
  problems: string[];
}

export interface Context {
  trainer: Trainer;
  /** The uninterrupted run to compare with. */
  reference: string;
  /** Seconds the reference trained: from its run directory opening to its end. */
  duration: number;
  /** Where this scenario's runs go. */
  dir: string;
  rng: Rng;
}

const empty = (): Outcome => ({ tried: 0, held: 0, lost: 0, identical: 0, runs: 0, problems: [] });

/** Finished steps the log shows beyond the saved checkpoint, worst phase. */
async function stepsLost(t: Trainer, out: string): Promise<number> {
  const saved = await t.saved(out);
  const logged: Record<string, number> = {};
  for (const e of await readRunLog(join(out, 'log.jsonl'))) logged[t.phaseOf(e)] = (logged[t.phaseOf(e)] ?? 0) + 1;
  return Math.max(0, ...Object.entries(logged).map(([phase, n]) => n - (saved[phase] ?? 0)));
}

/** Resumes `out` to the end and compares it with the reference. */
async function finish(c: Context, out: string, o: Outcome): Promise<void> {
  const exit = await runToEnd([...c.trainer.args(out), '--resume']);
  o.runs += 1;
  if (exit.code !== 0) {
    o.problems.push(`resume exited ${exit.code}: ${errorLine(exit)}`);
    return;
  }
  const diff = await differences(c.reference, out, c.trainer.phaseOf);
  const temps = await leftovers(out);
  if (diff) o.problems.push(`resumed run differs from the reference: ${diff}`);
  else if (temps.length > 0) o.problems.push(`temporary files left after the resume: ${temps.join(', ')}`);
  else o.identical += 1;
}

const killed = (e: Exit) => e.signal === 'SIGKILL';

/** The error lines a command printed (`scalespace CMD: ...`; progress and notes aside). */
const errorLines = (e: Exit) => e.stderr.split('\n').filter((l) => /^scalespace [a-z]/.test(l));
const errorLine = (e: Exit) => errorLines(e).join(' | ') || e.stderr.trim().split('\n').pop();

/**
 * kill -9 at random moments: a fresh run, then resumes, each killed at a random time (during
 * start-up, a step or a save) until `kills` kills landed; then a resume to the end.
 */
export async function killChain(c: Context, kills: number): Promise<Outcome> {
  const o = empty();
  let chain = 0;
  while (o.tried < kills) {
    const out = join(c.dir, `kill-${chain++}`);
    let fresh = true;
    let completed = false;
    for (;;) {
      const running = start([...c.trainer.args(out), ...(fresh ? [] : ['--resume'])]);
      // Killed at a random moment once its run directory is open: in a step, a save, or the resume's loading.
      if (!(await waitForLock(out, running))) {
        // Gone before its lock was seen: a resume with nothing left to do can be that quick.
        const exit = await running.exited;
        completed = exit.code === 0;
        if (!completed) {
          o.problems.push(`run ended before it opened its folder: exit ${exit.code}: ${errorLine(exit)}`);
          return o;
        }
        break;
      }
      // Within the work left (as the log tells), so most kills land before the run ends by itself.
      const done = (await readRunLog(join(out, 'log.jsonl'))).length / (await comparableLog(c.reference)).length;
      await sleep(c.rng.uniform() * c.duration * Math.max(0.2, 1 - done) * 1000);
      running.child.kill('SIGKILL');
      const exit = await running.exited;
      // Killed before it recorded itself: the folder holds no run yet, so the next one starts it afresh.
      fresh = !existsSync(join(out, 'run.json'));
      if (!killed(exit)) {
        completed = exit.code === 0;
        if (!completed) o.problems.push(`run exited ${exit.code}: ${errorLine(exit)}`);
        break;
      }
      o.tried += 1;
      const lost = await stepsLost(c.trainer, out);
      o.lost = Math.max(o.lost, lost);
      if (lost <= c.trainer.checkpointEvery) o.held += 1;
      else o.problems.push(`a kill lost ${lost} steps, more than --checkpoint-every ${c.trainer.checkpointEvery}`);
      if (o.tried >= kills) break;
    }
    if (completed) await compare(c, out, o);
    else await finish(c, out, o);
  }
  return o;
}

/** A run that ended by itself: compare it with the reference as it is. */
async function compare(c: Context, out: string, o: Outcome): Promise<void> {
  o.runs += 1;
  const diff = await differences(c.reference, out, c.trainer.phaseOf);
  if (diff) o.problems.push(`run differs from the reference: ${diff}`);
  else o.identical += 1;
}

/** Ctrl-C at a random moment: exit 130 with a checkpoint of every finished step, then a resume to the end. */
export async function interrupt(c: Context, times: number): Promise<Outcome> {
  const o = empty();
  for (let k = 0; o.tried < times; k++) {
    const out = join(c.dir, `sigint-${k}`);
    const running = start(c.trainer.args(out));
    if (!(await waitFor(join(out, 'run.json'), running))) {
      o.problems.push('run ended before it started');
      return o;
    }
    await sleep(c.rng.uniform() * c.duration * 800);
    running.child.kill('SIGINT');
    const exit = await running.exited;
    // Finished first, or so nearly that the signal met a process already tearing down its handlers.
    const complete = (await readRunLog(join(out, 'log.jsonl'))).length === (await comparableLog(c.reference)).length;
    if (exit.code === 0 || (exit.signal === 'SIGINT' && complete)) {
      await rm(out, { recursive: true, force: true });
      continue; // it finished first: try again
    }
    o.tried += 1;
    if (!existsSync(join(out, 'run.json'))) {
      // Interrupted before its first step: nothing to keep, and nothing was left behind.
      if (exit.code === 130) o.held += 1;
      else o.problems.push(`SIGINT before the first step: exit ${exit.code}`);
      continue;
    }
    const lost = await stepsLost(c.trainer, out);
    o.lost = Math.max(o.lost, lost);
    // The run itself keeps every finished step; a phase in a worker thread (PetsGAN's restoration)
    // keeps its last snapshot.
    if (exit.code === 130 && lost <= (c.trainer.name === 'petsgan' ? c.trainer.checkpointEvery : 0)) o.held += 1;
    else o.problems.push(`SIGINT: exit ${exit.code ?? exit.signal}, ${lost} steps lost: ${errorLine(exit)}`);
    await finish(c, out, o);
  }
  return o;
}

/**
 * Two runs into one folder: while a run trains (held still meanwhile, so the others surely meet it),
 * a second fresh run and a resume are both refused; the first then ends as if alone.
 */
export async function twoRuns(c: Context): Promise<Outcome> {
  const o = empty();
  const out = join(c.dir, 'two');
  const first = start(c.trainer.args(out));
  if (!(await waitFor(join(out, 'run.json'), first))) {
    o.problems.push('run ended before it started');
    return o;
  }
  first.child.kill('SIGSTOP');
  const [second, third] = await Promise.all([
    runToEnd(c.trainer.args(out)),
    runToEnd([...c.trainer.args(out), '--resume']),
  ]);
  first.child.kill('SIGCONT');
  const exit = await first.exited;
  o.tried = 2;
  for (const other of [second, third]) {
    if (other.code === 2 && /in use by another run/.test(other.stderr)) o.held += 1;
    else o.problems.push(`second run: exit ${other.code}: ${errorLine(other)}`);
  }
  o.runs = 1;
  if (exit.code !== 0) o.problems.push(`first run exited ${exit.code}: ${errorLine(exit)}`);
  const diff = await differences(c.reference, out, c.trainer.phaseOf);
  if (diff) o.problems.push(`the first run differs from the reference: ${diff}`);
  else if (exit.code === 0) o.identical += 1;
  return o;
}

/** A full disk: the n-th save of the run fails with ENOSPC; one line, exit 1, nothing half-written, then a resume. */
export async function fullDisk(c: Context): Promise<Outcome> {
  const o = empty();
  const out = join(c.dir, 'full');
  // The state and model files of the first checkpoint go through; a later save fails.
  const at = 3 + c.rng.int(3);
  const exit = await runToEnd(c.trainer.args(out), { fullDiskAt: at });
  o.tried = 1;
  const errors = errorLines(exit);
  const temps = await leftovers(out);
  if (exit.code === 1 && errors.length === 1 && /no space left/.test(errors[0]) && temps.length === 0) o.held = 1;
  else
    o.problems.push(`full disk at save ${at}: exit ${exit.code}, ${temps.length} temp files, "${errors.join(' | ')}"`);
  await finish(c, out, o);
  return o;
}

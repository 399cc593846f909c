import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeSafetensors, type LogEntry, readRunLog } from '@scalespace/core';

/** The built CLI (`scalespace`'s dist/bin.js), which the suite runs as a user would. */
export const BIN = join(dirname(createRequire(import.meta.url).resolve('scalespace/package.json')), 'dist', 'bin.js');
const ENOSPC = new URL('./enospc.cjs', import.meta.url).pathname;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  seconds: number;
}

export interface Running {
  child: ChildProcess;
  exited: Promise<Exit>;
}

/** Starts the CLI with `args`; `fullDiskAt` makes the n-th .safetensors save of the process fail with ENOSPC. */
export function start(args: string[], options: { fullDiskAt?: number } = {}): Running {
  const preload = options.fullDiskAt ? ['--require', ENOSPC] : [];
  const child = spawn(process.execPath, [...preload, BIN, ...args, '--json'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      SCALESPACE_BACKEND: 'wasm',
      ...(options.fullDiskAt && { SCALESPACE_FAULT_ENOSPC: String(options.fullDiskAt) }),
    },
  });
  const started = performance.now();
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) =>
      resolve({ code, signal, stderr, seconds: (performance.now() - started) / 1000 }),
    ),
  );
  return { child, exited };
}

/** Runs the CLI to its end. */
export function runToEnd(args: string[], options: { fullDiskAt?: number } = {}): Promise<Exit> {
  return start(args, options).exited;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `file` exists (or the process exits first: false). */
export async function waitFor(file: string, running: Running): Promise<boolean> {
  let done = false;
  void running.exited.then(() => {
    done = true;
  });
  while (!existsSync(file)) {
    if (done) return false;
    await sleep(5);
  }
  return true;
}

/** Resolves once the run in `dir` is locked by this process (its run directory is open), or it exited (false). */
export async function waitForLock(dir: string, running: Running): Promise<boolean> {
  let done = false;
  void running.exited.then(() => {
    done = true;
  });
  for (;;) {
    if (done) return false;
    try {
      const owner = JSON.parse(await readFile(join(dir, 'run.lock'), 'utf8')) as { pid?: number };
      if (owner.pid === running.child.pid) return true;
    } catch {
      // not yet there, or being written
    }
    await sleep(5);
  }
}

/** The log without what differs between two runs of the same steps (timings). */
export async function comparableLog(dir: string): Promise<LogEntry[]> {
  return (await readRunLog(join(dir, 'log.jsonl'))).map(({ seconds: _s, ...rest }) => rest);
}

/** Every tensor of a safetensors file, as raw bytes by name. */
async function tensorBytes(file: string): Promise<Map<string, Uint8Array>> {
  const { tensors } = decodeSafetensors(await readFile(file));
  const out = new Map<string, Uint8Array>();
  for (const [name, t] of Object.entries(tensors)) {
    out.set(name, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
  }
  return out;
}

/**
 * Whether two finished runs are the same run: every tensor of the training state and of the model
 * identical byte for byte, and the logs equal line for line (timings aside; lines of phases that run
 * at once compared per phase). Returns what differs, or null.
 */
export async function differences(a: string, b: string, phaseOf: (e: LogEntry) => string): Promise<string | null> {
  for (const file of ['training-state.safetensors', 'model.safetensors']) {
    const [x, y] = [await tensorBytes(join(a, file)), await tensorBytes(join(b, file))];
    if ([...x.keys()].sort().join() !== [...y.keys()].sort().join()) return `${file}: other tensor names`;
    for (const [name, bytes] of x) {
      const other = y.get(name) as Uint8Array;
      if (bytes.length !== other.length || bytes.some((v, i) => v !== other[i])) return `${file}: "${name}" differs`;
    }
  }
  const [la, lb] = [await comparableLog(a), await comparableLog(b)];
  const byPhase = (log: LogEntry[]) => {
    const phases = new Map<string, string[]>();
    for (const e of log) phases.set(phaseOf(e), [...(phases.get(phaseOf(e)) ?? []), JSON.stringify(e)]);
    return JSON.stringify([...phases.entries()].sort(([p], [q]) => p.localeCompare(q)));
  };
  if (byPhase(la) !== byPhase(lb)) return `log.jsonl differs (${la.length} lines against ${lb.length})`;
  return null;
}

/** Temporary files left in a run directory. */
export async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.tmp'));
}

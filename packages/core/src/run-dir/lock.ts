import { RunDirectoryError } from '../errors.js';

// One run per directory: a lock file holds the owner's PID (and, on Linux, its start time, so a
// reused PID is not mistaken for the owner). A second live run is refused; the lock of a run that
// died (kill -9, a crash) is taken over.

export const LOCK_FILE = 'run.lock';

interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks after boot (Linux /proc), when known. */
  started?: number;
}

async function hostName(): Promise<string> {
  const { hostname } = await import('node:os');
  return hostname();
}

/** A process's start time from /proc (Linux), or undefined where there is none. */
async function processStart(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name (which may hold spaces) closes with ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this PID runs (a PID we may not signal still runs). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerAlive(owner: LockOwner): Promise<boolean> {
  if (!processAlive(owner.pid)) return false;
  if (owner.started === undefined) return true;
  const started = await processStart(owner.pid);
  return started === undefined || started === owner.started;
}

async function readOwner(file: string): Promise<LockOwner | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    return Number.isInteger(owner?.pid) ? owner : { pid: -1, host: '' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Unreadable or half-written by a process that died while writing it: stale.
    return { pid: -1, host: '' };
  }
}

/** A held lock; `release` removes it (only if it is still ours). */
export interface RunLock {
  readonly file: string;
  release(): Promise<void>;
}

/**
 * Takes the lock of `dir`, or throws a RunDirectoryError naming the live owner. A lock whose owner
 * is gone is taken over: renamed aside (so of two processes taking over at once only one wins),
 * checked again, then replaced.
 */
export async function acquireRunLock(dir: string): Promise<RunLock> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const file = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: await hostName() };
  const started = await processStart(process.pid);
  if (started !== undefined) me.started = started;
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        file,
        async release() {
          const owner = await readOwner(file);
          if (owner?.pid === me.pid && owner.started === me.started) await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(file);
    if (!owner) continue;
    if (owner.host && owner.host !== me.host) {
      throw new RunDirectoryError(
        `"${dir}" is locked by process ${owner.pid} on ${owner.host}; if no run is using it, delete ${file}`,
      );
    }
    if (await ownerAlive(owner)) {
      throw new RunDirectoryError(
        `"${dir}" is in use by another run (process ${owner.pid}${owner.pid === process.pid ? ', this one' : ''}); ` +
          'wait for it to finish or choose another --out',
      );
    }
    // Stale: move it aside, and make sure what moved is the stale lock we judged (not a new live one).
    const aside = `${file}.${process.pid}.stale`;
    try {
      await fs.rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = await readOwner(aside);
    if (moved && moved.pid !== owner.pid && (await ownerAlive(moved))) {
      await fs.link(aside, file).catch(() => undefined);
    }
    await fs.rm(aside, { force: true });
  }
  throw new RunDirectoryError(`could not take the lock of "${dir}" (other runs keep taking it); try again`);
}

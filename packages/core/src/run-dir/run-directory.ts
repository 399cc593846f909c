import { CONFIG_FILE, WEIGHTS_FILE } from '../checkpoint.js';
import { RunDirectoryError } from '../errors.js';
import { type Fingerprint, fingerprintDifferences } from './fingerprint.js';
import { acquireRunLock, LOCK_FILE, processAlive, type RunLock } from './lock.js';
import { LOG_FILE, type LogEntry, RunLog } from './run-log.js';
import { TRAINING_STATE_FILE } from './training-state.js';

// The contract every trainer's output directory follows (see the core README):
// - a directory that holds anything is refused unless the run is resumed (`resume`) or started over
//   (`force`, which removes the run's own files and nothing else);
// - `run.json` records the trainer and a fingerprint of its data and options; a resume with another
//   fingerprint is refused with the differences named;
// - `run.lock` keeps a second live run out, and is taken over when its owner died;
// - `log.jsonl` is appended line by line and fsynced at every checkpoint, and cut back to the
//   checkpoint on resume;
// - temporary files of saves that died half-way are removed at the start;
// - a fresh run that fails before its first checkpoint removes what it created.

export const RUN_FILE = 'run.json';
const RUN_FORMAT = 'scalespace-run/1';

/** What `run.json` holds. */
export interface RunRecord {
  format: string;
  trainer: string;
  fingerprint: Fingerprint;
}

export interface OpenRunOptions {
  /** The output directory (created when missing). */
  dir: string;
  /** Which trainer writes it ('pixelcnn', 'vdvae', 'singan', ...): a resume must be by the same one. */
  trainer: string;
  /** The data and options that must be the same when the run resumes. */
  fingerprint: Fingerprint;
  /** Fingerprint paths that may change on resume (e.g. `options.steps`, to train a finished run longer). */
  mutable?: string[];
  /** Continue the run in `dir` (refused when there is none). */
  resume?: boolean;
  /** Start over: remove the run's files in `dir` first. */
  force?: boolean;
  /** Files older versions of this trainer kept the resumable state in (a run without run.json). */
  legacyStateFiles?: string[];
  /** Other files this trainer writes (removed by `force` and by a failed fresh run). */
  files?: string[];
}

const TEMP = /^\..+\.(\d+)\.[a-z0-9]+\.tmp$/;

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * A training output directory, open for one run: locked, checked, its log open. Trainers call
 * `checkpoint` around every save and `close` when done (with the error, if any).
 */
export class RunDirectory {
  readonly dir: string;
  /** True when this run continues one found in the directory. */
  readonly resuming: boolean;
  /** The resumed run's record (null for a fresh run, or a run saved before run.json existed). */
  readonly record: RunRecord | null;
  readonly #lock: RunLock;
  readonly #log: RunLog;
  readonly #ownFiles: string[];
  readonly #createdDir: string | undefined;
  #recordToWrite: RunRecord | null;
  #checkpoints = 0;
  #closed = false;

  private constructor(
    init: Pick<RunDirectory, 'dir' | 'resuming' | 'record'> & {
      lock: RunLock;
      log: RunLog;
      ownFiles: string[];
      createdDir: string | undefined;
      recordToWrite: RunRecord | null;
    },
  ) {
    this.dir = init.dir;
    this.resuming = init.resuming;
    this.record = init.record;
    this.#lock = init.lock;
    this.#log = init.log;
    this.#ownFiles = init.ownFiles;
    this.#createdDir = init.createdDir;
    this.#recordToWrite = init.recordToWrite;
  }

  /** Opens `dir` for a run under the contract above, or throws a RunDirectoryError saying why not. */
  static async open(options: OpenRunOptions): Promise<RunDirectory> {
    const fs = await import('node:fs/promises');
    const { join, resolve } = await import('node:path');
    const dir = resolve(options.dir);
    const legacy = options.legacyStateFiles ?? [];
    const ownFiles = [
      RUN_FILE,
      LOG_FILE,
      TRAINING_STATE_FILE,
      WEIGHTS_FILE,
      CONFIG_FILE,
      ...legacy,
      ...(options.files ?? []),
    ];
    const createdDir = await fs.mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new RunDirectoryError(`cannot create the output directory "${dir}": ${error.code ?? error.message}`);
    });
    // A refused lock leaves the directory alone: it belongs to the run that holds it.
    const lock = await acquireRunLock(dir);
    try {
      await removeStaleTemporaries(dir);
      const entries = (await fs.readdir(dir)).filter((name) => name !== LOCK_FILE);
      const hasRecord = entries.includes(RUN_FILE);
      const hasState = [TRAINING_STATE_FILE, ...legacy].some((f) => entries.includes(f));
      const record: RunRecord = { format: RUN_FORMAT, trainer: options.trainer, fingerprint: options.fingerprint };
      let saved: RunRecord | null = null;
      if (options.resume && !options.force) {
        if (!hasRecord && !hasState) {
          throw new RunDirectoryError(
            `--resume: "${dir}" holds no training run to continue; drop --resume to start one there`,
          );
        }
        if (hasRecord) {
          saved = await readRecord(join(dir, RUN_FILE));
          checkRecord(dir, saved, record, options.mutable ?? []);
        }
      } else if (entries.length > 0) {
        if (!options.force) {
          const what = hasRecord || hasState ? 'a training run' : `${entries.length} file(s)`;
          throw new RunDirectoryError(
            `"${dir}" already holds ${what}; pass --resume to continue it, --force to start over, or choose another --out`,
          );
        }
        for (const name of ownFiles) await fs.rm(join(dir, name), { force: true });
      }
      const resuming = options.resume === true && !options.force;
      // A fresh run records itself at once (a crash before its first checkpoint still resumes as
      // this run); a resumed run from before run.json existed records itself at its first checkpoint,
      // once the trainer has accepted the old state.
      if (!resuming) {
        const { writeFileAtomic } = await import('../atomic-write.js');
        await writeFileAtomic(join(dir, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
      }
      const log = await RunLog.open(join(dir, LOG_FILE));
      return new RunDirectory({
        dir,
        resuming,
        record: saved,
        lock,
        log,
        ownFiles,
        createdDir,
        recordToWrite: resuming && !hasRecord ? record : null,
      });
    } catch (error) {
      await lock.release().catch(() => undefined);
      if (createdDir) await fs.rm(createdDir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** The log file's path. */
  get logFile(): string {
    return this.#log.file;
  }

  /** Appends a line to the log (written at once). */
  log(entry: LogEntry): void {
    this.#log.append(entry);
  }

  /** On resume: keeps only the log lines `keep` accepts, those up to the checkpoint the run continues from. */
  async resumeLog(keep: (entry: LogEntry) => boolean): Promise<void> {
    await this.#log.retain(keep);
  }

  /** Runs a save (the trainer's checkpoint), then makes the log durable up to it. */
  async checkpoint(save: () => Promise<void>): Promise<void> {
    if (this.#closed) throw new RunDirectoryError(`the run in "${this.dir}" is closed`);
    await save();
    this.#log.sync();
    if (this.#recordToWrite) {
      const { join } = await import('node:path');
      const { writeFileAtomic } = await import('../atomic-write.js');
      await writeFileAtomic(join(this.dir, RUN_FILE), `${JSON.stringify(this.#recordToWrite, null, 2)}\n`);
      this.#recordToWrite = null;
    }
    this.#checkpoints += 1;
  }

  /** Checkpoints written by this run so far. */
  get checkpoints(): number {
    return this.#checkpoints;
  }

  /**
   * Ends the run: closes the log and releases the lock. Given the error that ended it, a fresh run
   * that wrote no checkpoint removes what it created (nothing of it could be resumed). Never throws
   * over the error it is given.
   */
  async close(error?: unknown): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const fs = await import('node:fs/promises');
    const { join } = await import('node:path');
    try {
      this.#log.close();
    } catch (closeError) {
      if (error === undefined) throw closeError;
    }
    try {
      if (error !== undefined && !this.resuming && this.#checkpoints === 0) {
        if (this.#createdDir) await fs.rm(this.#createdDir, { recursive: true, force: true });
        else for (const name of this.#ownFiles) await fs.rm(join(this.dir, name), { force: true });
      }
    } finally {
      await this.#lock.release().catch((releaseError) => {
        if (error === undefined) throw releaseError;
      });
    }
  }
}

async function readRecord(file: string): Promise<RunRecord> {
  const { readFile } = await import('node:fs/promises');
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as RunRecord;
    if (record?.format !== RUN_FORMAT || typeof record.trainer !== 'string') throw new Error('unknown format');
    return record;
  } catch (error) {
    throw new RunDirectoryError(`"${file}" is damaged (${(error as Error).message}); start over with --force`, {
      cause: error,
    });
  }
}

function checkRecord(dir: string, saved: RunRecord, now: RunRecord, mutable: string[]): void {
  if (saved.trainer !== now.trainer) {
    throw new RunDirectoryError(
      `--resume: "${dir}" holds a ${saved.trainer} run, not ${now.trainer}; use its own train command or another --out`,
    );
  }
  const differences = fingerprintDifferences(saved.fingerprint, now.fingerprint, mutable);
  if (differences.length > 0) {
    throw new RunDirectoryError(
      `cannot resume "${dir}": it was trained with a different config or data (${differences.join('; ')}); ` +
        'resume with the same data and options, pass --force to start over, or choose another --out',
    );
  }
}

/** Removes the temporary files of saves whose process died (a kill mid-write leaves them). */
async function removeStaleTemporaries(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  for (const name of await fs.readdir(dir)) {
    const match = TEMP.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || !processAlive(pid)) await fs.rm(join(dir, name), { force: true });
  }
  // A lock moved aside by a takeover that died half-way.
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(`${LOCK_FILE}.`) && name.endsWith('.stale')) {
      const pid = Number(name.slice(LOCK_FILE.length + 1, -'.stale'.length));
      if (!processAlive(pid)) await fs.rm(join(dir, name), { force: true });
    }
  }
}

/** Whether `dir` holds a run (a record or a training state) that `resume` could continue. */
export async function holdsRun(dir: string, legacyStateFiles: string[] = []): Promise<boolean> {
  const { join } = await import('node:path');
  for (const name of [RUN_FILE, TRAINING_STATE_FILE, ...legacyStateFiles]) {
    if (await exists(join(dir, name))) return true;
  }
  return false;
}

// A run's JSON-lines log: every entry is written to the file at once (a crash keeps every line
// written before it), fsynced at each checkpoint (a power cut keeps everything up to the last
// checkpoint), and cut back to the checkpoint when the run resumes (so the resumed run's log reads
// as if the run had never stopped).

export const LOG_FILE = 'log.jsonl';

/** One log line: a JSON object. */
export type LogEntry = Record<string, unknown>;

export class RunLog {
  readonly file: string;
  #fd: number | null;
  #fs: typeof import('node:fs');

  private constructor(file: string, fd: number, fs: typeof import('node:fs')) {
    this.file = file;
    this.#fd = fd;
    this.#fs = fs;
  }

  /** Opens (creating) the log for appending. */
  static async open(file: string): Promise<RunLog> {
    const fs = await import('node:fs');
    return new RunLog(file, fs.openSync(file, 'a'), fs);
  }

  /** Appends one entry as one line, written before this returns. */
  append(entry: LogEntry): void {
    if (this.#fd === null) throw new Error(`log ${this.file} is closed`);
    this.#fs.writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
  }

  /** Makes every line written so far durable. */
  sync(): void {
    if (this.#fd !== null) this.#fs.fsyncSync(this.#fd);
  }

  /**
   * Keeps only the entries `keep` accepts (the ones up to the checkpoint a run resumes from); a
   * torn last line (a crash mid-write) is dropped too. Rewrites the file atomically.
   */
  async retain(keep: (entry: LogEntry) => boolean): Promise<void> {
    const { readFile } = await import('node:fs/promises');
    const { writeFileAtomic } = await import('../atomic-write.js');
    const lines = (await readFile(this.file, 'utf8')).split('\n');
    const kept: string[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        continue;
      }
      if (keep(entry)) kept.push(line);
    }
    const text = kept.map((l) => `${l}\n`).join('');
    if (text.length === lines.join('\n').length) return;
    if (this.#fd !== null) this.#fs.closeSync(this.#fd);
    this.#fd = null;
    await writeFileAtomic(this.file, text);
    this.#fd = this.#fs.openSync(this.file, 'a');
  }

  close(): void {
    if (this.#fd === null) return;
    try {
      this.#fs.fsyncSync(this.#fd);
    } finally {
      this.#fs.closeSync(this.#fd);
      this.#fd = null;
    }
  }
}

/** Reads a JSON-lines log (skipping a torn last line); [] when there is none. */
export async function readRunLog(file: string): Promise<LogEntry[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line cut by a crash
    }
  }
  return out;
}

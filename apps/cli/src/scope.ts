import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/**
 * What one command run owns: cleanups (models and tensors to dispose), outputs written under
 * temporary names and folders it created. `finish` disposes everything whatever happened; on
 * success it moves the outputs to their names, on failure it removes them and the folders it
 * created, so a failed command leaves nothing behind and an earlier output stays as it was.
 */
export class CommandScope {
  #cleanups: Array<() => unknown> = [];
  #outputs: Array<{ temp: string; path: string }> = [];
  #createdDirs: string[] = [];

  /** Runs `cleanup` when the command ends (last registered first). */
  defer(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  /** Creates a folder (and its parents) for outputs; removed on failure when this run created it. */
  async outputDir(path: string): Promise<void> {
    const created = await mkdir(path, { recursive: true });
    if (created) this.#createdDirs.push(created);
  }

  /**
   * The temporary path to write the output `path` to (same extension, so writers that pick the
   * format by it still do); the parent folder is created.
   */
  async output(path: string): Promise<string> {
    await this.outputDir(dirname(path));
    const name = basename(path);
    const temp = join(
      dirname(path),
      `.${name}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp${extname(name)}`,
    );
    this.#outputs.push({ temp, path });
    return temp;
  }

  /**
   * Ends the run. With no error, moves outputs into place; with one, removes outputs and created
   * folders. Then runs the cleanups. Returns the error the command should report: the one it was
   * given (a cleanup never hides it), else the first failure here.
   */
  async finish(error?: unknown): Promise<unknown> {
    let first = error;
    const attempt = async (work: () => unknown) => {
      try {
        await work();
      } catch (e) {
        first ??= e;
      }
    };
    if (error === undefined) {
      for (const { temp, path } of this.#outputs) await attempt(() => commit(temp, path));
    }
    if (first !== undefined) {
      for (const { temp } of this.#outputs) await attempt(() => rm(temp, { recursive: true, force: true }));
      for (const dir of this.#createdDirs.reverse()) await attempt(() => rm(dir, { recursive: true, force: true }));
    }
    for (const cleanup of this.#cleanups.reverse()) await attempt(cleanup);
    this.#cleanups = [];
    this.#outputs = [];
    this.#createdDirs = [];
    return first;
  }
}

/** Moves a finished output into place: a file by rename, a folder's files into the folder (which may exist). */
async function commit(temp: string, path: string): Promise<void> {
  const info = await stat(temp).catch(() => null);
  if (!info) return; // nothing was written there
  if (!info.isDirectory()) {
    await rename(temp, path);
    return;
  }
  await mkdir(path, { recursive: true });
  for (const name of await readdir(temp)) await rename(join(temp, name), join(path, name));
  await rm(temp, { recursive: true, force: true });
}

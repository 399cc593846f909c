import type { CommandContext } from './command.js';

/**
 * How `scalespace sample DIR` finds the package that can sample a checkpoint directory: each model
 * package provides a handler that recognises its own checkpoints (listed in commands/sample.ts). The
 * first handler whose `detect` says yes samples.
 */
export interface SampleHandler {
  /** Short name shown in errors: 'pixelpyramids', 'singan', ... */
  name: string;
  detect(dir: string): Promise<boolean>;
  sample(ctx: CommandContext, dir: string): Promise<number>;
}

/** Reads DIR/config.json, or null when there is none (for `detect` implementations). */
export async function readCheckpointConfig(dir: string): Promise<Record<string, unknown> | null> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

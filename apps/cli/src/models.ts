import type { CommandContext } from './command.js';

/**
 * How `scalespace sample DIR` finds the package that can sample a checkpoint directory: each model
 * package provides a handler that recognises its own checkpoints (listed in commands/sample.ts). The
 * first handler whose `detect` says yes samples.
 */
export interface SampleHandler {
  /** Short name shown in errors: 'pixelpyramids', 'singan', ... */
  name: string;
  /** The options of `sample` this kind of model reads besides --out, --n and --seed; the others are refused. */
  uses: string[];
  detect(dir: string): Promise<boolean>;
  sample(ctx: CommandContext, dir: string): Promise<number>;
}

/**
 * Reads DIR/config.json, or null when there is none (for `detect` implementations); a config.json
 * that is not JSON is a ConfigError naming it, not "no model here".
 */
export async function readCheckpointConfig(dir: string): Promise<Record<string, unknown> | null> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return null;
  const { readJsonFile } = await import('./config-file.js');
  return (await readJsonFile(file, 'the model config')) as Record<string, unknown>;
}

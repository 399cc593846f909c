import type { ParseArgsConfig } from 'node:util';

/** The options a command declares, in node:util parseArgs form. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Parsed option values. */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** True when --json was given: print one JSON document to stdout and nothing else there. */
  json: boolean;
  /** Fires on Ctrl-C; pass it to every long call. */
  signal: AbortSignal;
  /** Human-readable output (stdout unless --json, then stderr). */
  log(line: string): void;
  /** Prints the command's JSON result to stdout. */
  printJson(value: unknown): void;
  /** Runs `cleanup` when the command ends, success or failure (dispose models and tensors here). */
  defer(cleanup: () => unknown): void;
  /**
   * The temporary path to write the output `path` to: moved to `path` when the command succeeds,
   * removed when it fails (so a failure leaves no partial output and keeps an older one).
   */
  output(path: string): Promise<string>;
  /** Creates a folder for outputs; removed if the command fails and created it. */
  outputDir(path: string): Promise<void>;
}

/** One `scalespace` command. Names may have several words: `pyramid decompose`. */
export interface Command {
  name: string;
  summary: string;
  /** Usage text shown by --help, after the name. */
  usage: string;
  /** What --help adds below the summary: every option, its default and its range. */
  help?: string;
  options?: CommandOptions;
  /** Allow positional arguments (default true). */
  allowPositionals?: boolean;
  run(ctx: CommandContext): Promise<number | undefined> | number | undefined;
}

/** Reads a string option, failing with a usage error when it is missing and required. */
export function stringOption(ctx: CommandContext, name: string, fallback?: string): string {
  const v = ctx.values[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--${name} is required`);
}

/** Reads an option that must be one of `choices` (the fallback when it is absent). */
export function choiceOption<T extends string>(
  ctx: CommandContext,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = stringOption(ctx, name, fallback);
  if ((choices as readonly string[]).includes(v)) return v as T;
  const listed = `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
  throw new UsageError(`--${name} must be ${listed}, got "${v}"`);
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A number written the plain way (`12`, `-0.5`, `1e-3`): not '', hex, binary, 'Infinity' or 'NaN',
 * which `Number()` would turn into 0, 16, ... silently.
 */
export function parseNumber(text: string, integer = false): number {
  const trimmed = text.trim();
  return (integer ? INTEGER : DECIMAL).test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** Reads an integer option with bounds. */
export function intOption(
  ctx: CommandContext,
  name: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = ctx.values[name];
  if (v === undefined) return fallback;
  const n = parseNumber(String(v), true);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  return n;
}

/** Reads a number option with bounds. */
export function numberOption(
  ctx: CommandContext,
  name: string,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  const v = ctx.values[name];
  if (v === undefined) return fallback;
  const n = parseNumber(String(v));
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
  return n;
}

/** Refuses options the command accepts in general but the case at hand does not use (instead of ignoring them). */
export function rejectUnused(ctx: CommandContext, names: string[], why: string): void {
  const given = names.filter((n) => ctx.values[n] !== undefined);
  if (given.length > 0) throw new UsageError(`${given.map((n) => `--${n}`).join(' and ')}: ${why}`);
}

/** A mistake in how the command was called; printed with the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

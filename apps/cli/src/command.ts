import type { ModelKind } from './models.js';
import { type CommandOptions, lowerBound, type OptionSpec, upperBound } from './options.js';

export type { CommandOptions } from './options.js';

export interface CommandContext {
  /** Positional arguments after the command name. */
  positionals: string[];
  /** Parsed option values. */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** The options the command declares: the readers below take defaults and ranges from them. */
  options: CommandOptions;
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
  /**
   * The positional arguments as the usage line shows them (`IMAGE`, `MODEL IMAGE`); the usage line adds the
   * required options and --help lists every option from `options`.
   */
  usage: string;
  /** What --help says between the summary and the options: what the arguments are, how the parts fit. */
  help?: string;
  options?: CommandOptions;
  /** The kinds of model the MODEL argument takes, for commands whose first argument is a model. */
  modelArgument?: readonly ModelKind[];
  /** Allow positional arguments (default true). */
  allowPositionals?: boolean;
  run(ctx: CommandContext): Promise<number | undefined> | number | undefined;
}

/** The declaration of an option a command reads: every option read is declared, so --help describes it. */
function declared(ctx: CommandContext, name: string): OptionSpec {
  const spec = ctx.options[name];
  if (!spec) throw new Error(`the command reads --${name} but does not declare it`);
  return spec;
}

/** Reads a string option: its value, else `fallback`, else the declared default; a usage error when required. */
export function stringOption(ctx: CommandContext, name: string, fallback?: string): string {
  const v = ctx.values[name];
  if (typeof v === 'string') return v;
  const declaredDefault = declared(ctx, name).default;
  const value = fallback ?? (typeof declaredDefault === 'string' ? declaredDefault : undefined);
  if (value !== undefined) return value;
  throw new UsageError(`--${name} is required`);
}

/** Reads an option that must be one of `choices` (default: the declared ones), else `fallback` or the declared default. */
export function choiceOption<T extends string>(
  ctx: CommandContext,
  name: string,
  choices?: readonly T[],
  fallback?: T,
): T {
  const allowed = (choices ?? declared(ctx, name).choices ?? []) as readonly string[];
  const v = stringOption(ctx, name, fallback);
  if (allowed.includes(v)) return v as T;
  const listed = `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;
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

/**
 * Reads an int or number option: its value within [min, max], else `fallback`; the default and bounds not
 * given here are the declared ones.
 */
function readNumeric(
  ctx: CommandContext,
  name: string,
  integer: boolean,
  given: { fallback?: number; min?: number; max?: number },
): number {
  const spec = declared(ctx, name);
  const v = ctx.values[name];
  if (v === undefined) {
    const value = given.fallback ?? (typeof spec.default === 'number' ? spec.default : undefined);
    if (value === undefined) throw new UsageError(`--${name} is required`);
    return value;
  }
  const [lo, hi] = [given.min ?? lowerBound(spec, integer), given.max ?? upperBound(spec, integer)];
  const n = parseNumber(String(v), integer);
  const valid = integer ? Number.isSafeInteger(n) : Number.isFinite(n);
  if (!valid || n < lo || n > hi)
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got "${v}"`);
  return n;
}

/** Reads an integer option; the default and bounds are the declared ones unless given here. */
export function intOption(ctx: CommandContext, name: string, fallback?: number, min?: number, max?: number): number {
  return readNumeric(ctx, name, true, { fallback, min, max });
}

/** Reads a number option; the default and bounds are the declared ones unless given here. */
export function numberOption(ctx: CommandContext, name: string, fallback?: number, min?: number, max?: number): number {
  return readNumeric(ctx, name, false, { fallback, min, max });
}

/** Reads an option that is given only sometimes: undefined when absent, else as `read` reads it. */
export function optional<T>(
  ctx: CommandContext,
  name: string,
  read: (ctx: CommandContext, name: string) => T,
): T | undefined {
  return ctx.values[name] === undefined ? undefined : read(ctx, name);
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

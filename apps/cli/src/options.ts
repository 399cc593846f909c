import type { ModelKind } from './models.js';

// Each command declares its options once, here in this form: parseArgs reads them, the option readers in
// command.ts take their defaults and ranges from them, and --help is written from them.

/** What an option's value is: it decides how --help shows it and which reader reads it. */
export type OptionKind = 'int' | 'number' | 'choice' | 'text' | 'flag' | 'model';

/** One option of a command. */
export interface OptionSpec {
  kind: OptionKind;
  /** What the option does: a phrase for --help. */
  help: string;
  /** The value's name in --help (N, FILE, WxH); a choice shows its choices, a model NAME|DIR. */
  value?: string;
  /** The default the readers fall back to, shown by --help. */
  default?: number | string;
  /** What --help says the default is where it depends on other options or on the model (the caller passes it). */
  defaultText?: string;
  /** Bounds of an int or number option (an int's lower bound is 1 unless said). */
  min?: number;
  max?: number;
  /** What --help says of the range where it depends on the model (the caller passes the bounds). */
  rangeText?: string;
  /** The values a choice option takes. */
  choices?: readonly string[];
  required?: boolean;
  /** The kinds of model a model option accepts (see models.ts). */
  models?: readonly ModelKind[];
}

/** The options a command declares, by name (without the leading --). */
export type CommandOptions = Record<string, OptionSpec>;

type Details = Partial<Omit<OptionSpec, 'kind' | 'help' | 'choices' | 'models'>>;

/** An integer option (at least 1 unless `min` says otherwise). */
export const int = (help: string, details: Details = {}): OptionSpec => ({ kind: 'int', help, value: 'N', ...details });
/** A number option, written the plain way (12, -0.5, 1e-3). */
export const num = (help: string, details: Details = {}): OptionSpec => ({
  kind: 'number',
  help,
  value: 'X',
  ...details,
});
/** A string option: a path, a name, a list. */
export const text = (value: string, help: string, details: Details = {}): OptionSpec => ({
  kind: 'text',
  help,
  value,
  ...details,
});
/** An option that is on when given. */
export const flag = (help: string): OptionSpec => ({ kind: 'flag', help });
/** An option that takes one of `choices`. */
export const choice = (choices: readonly string[], help: string, details: Details = {}): OptionSpec => ({
  kind: 'choice',
  help,
  choices,
  ...details,
});
/** A model: a folder, a shipped model's short name or its package (see models.ts). */
export const model = (models: readonly ModelKind[], help: string, details: Details = {}): OptionSpec => ({
  kind: 'model',
  help,
  value: 'NAME|DIR',
  models,
  ...details,
});

/** The lowest value an int or number option's reader accepts when the caller does not say. */
export function lowerBound(spec: OptionSpec | undefined, integer: boolean): number {
  return spec?.min ?? (integer ? 1 : Number.NEGATIVE_INFINITY);
}

/** The highest value an int or number option's reader accepts when the caller does not say. */
export function upperBound(spec: OptionSpec | undefined, integer: boolean): number {
  return spec?.max ?? (integer ? Number.MAX_SAFE_INTEGER : Number.POSITIVE_INFINITY);
}

/** `--name VALUE` as --help and usage lines show it. */
export function optionSyntax(name: string, spec: OptionSpec): string {
  if (spec.kind === 'flag') return `--${name}`;
  return `--${name} ${spec.choices ? spec.choices.join('|') : (spec.value ?? 'VALUE')}`;
}

/** The range of an int or number option in words, or undefined. */
function rangeText(spec: OptionSpec): string | undefined {
  if (spec.rangeText !== undefined) return spec.rangeText;
  if (spec.kind !== 'int' && spec.kind !== 'number') return undefined;
  const integer = spec.kind === 'int';
  const [lo, hi] = [lowerBound(spec, integer), upperBound(spec, integer)];
  const bounded = (v: number) => Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  if (bounded(lo) && bounded(hi)) return `${lo} to ${hi}`;
  if (bounded(lo)) return `at least ${lo}`;
  if (bounded(hi)) return `at most ${hi}`;
  return undefined;
}

/** What --help says of an option after its syntax: the phrase, then whether it is required, its default and range. */
export function optionDescription(spec: OptionSpec): string {
  const facts: string[] = [];
  if (spec.required) facts.push('required');
  const fallback = spec.defaultText ?? (spec.default === undefined ? undefined : String(spec.default));
  if (fallback !== undefined) facts.push(`default ${fallback}`);
  const range = rangeText(spec);
  if (range !== undefined) facts.push(range);
  return facts.length > 0 ? `${spec.help} (${facts.join('; ')})` : spec.help;
}

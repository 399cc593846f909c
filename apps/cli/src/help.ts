import type { Command } from './command.js';
import { modelHelp } from './models.js';
import { type OptionSpec, optionDescription, optionSyntax } from './options.js';

// `scalespace <command> --help`, written from the command's declaration: the usage line from its arguments and
// required options, then every option with its default and range, so the help cannot drift from what is parsed.

/** What every command takes besides its own options. */
const COMMON: Record<string, OptionSpec> = {
  json: { kind: 'flag', help: 'print one JSON document on stdout (the human-readable lines go to stderr)' },
  help: { kind: 'flag', help: 'print this help' },
};

const WIDTH = 110;
const COLUMN = 30;

/** Words wrapped to lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** One option: its syntax, then its description wrapped in a column (on the next line when the syntax is long). */
function optionEntry(name: string, spec: OptionSpec): string[] {
  const syntax = `  ${optionSyntax(name, spec)}`;
  const description = spec.models ? `${optionDescription(spec)}; ${modelHelp(spec.models)}` : optionDescription(spec);
  const body = wrap(description, WIDTH - COLUMN);
  const indent = ' '.repeat(COLUMN);
  if (syntax.length + 2 > COLUMN) return [syntax, ...body.map((l) => `${indent}${l}`)];
  return body.map((l, i) => (i === 0 ? `${syntax.padEnd(COLUMN)}${l}` : `${indent}${l}`));
}

/** `Usage: scalespace NAME ARGS --required VALUE [options]`, then the summary. */
export function usage(command: Command): string {
  const required = Object.entries(command.options ?? {})
    .filter(([, spec]) => spec.required)
    .map(([name, spec]) => optionSyntax(name, spec));
  const line = ['Usage: scalespace', command.name, command.usage, ...required, '[options]'].filter(Boolean).join(' ');
  return `${line}\n\n${command.summary}`;
}

/** The full --help of a command. */
export function commandHelp(command: Command): string {
  const parts = [usage(command)];
  if (command.modelArgument) parts.push(wrap(`MODEL: ${modelHelp(command.modelArgument)}.`, WIDTH).join('\n'));
  if (command.help) parts.push(command.help);
  const options = Object.entries({ ...command.options, ...COMMON }).flatMap(([name, spec]) => optionEntry(name, spec));
  parts.push(['Options:', ...options].join('\n'));
  return parts.join('\n\n');
}

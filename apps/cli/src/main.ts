import { parseArgs } from 'node:util';
import { AbortError, ScalespaceError } from '@scalespace/core';
import { type Command, type CommandContext, UsageError } from './command.js';
import { commands } from './commands/index.js';

export interface MainIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  signal?: AbortSignal;
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  // Longest name first, so `pyramid decompose` wins over a hypothetical `pyramid`.
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command, rest: argv.slice(words.length) };
  }
  return null;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'scalespace: multi-scale generative image models on TensorFlow.js',
    '',
    'Usage: scalespace <command> [options]   (every command takes --help and --json)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Environment: SCALESPACE_BACKEND=wasm|cpu|tensorflow forces a TensorFlow.js backend.',
  ].join('\n');
}

function help(command: Command): string {
  return `Usage: scalespace ${command.name} ${command.usage}\n\n${command.summary}`;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error, 130 aborted). */
export async function main(
  argv: string[],
  io: MainIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(`${overview()}\n`);
    return 0;
  }
  if (argv[0] === '--version') {
    io.stdout.write('0.1.0\n');
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`scalespace: unknown command "${argv.join(' ')}"\n\n${overview()}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${help(command)}\n`);
    return 0;
  }
  const controller = new AbortController();
  if (io.signal?.aborted) controller.abort(io.signal.reason);
  else io.signal?.addEventListener('abort', () => controller.abort(io.signal?.reason), { once: true });
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' } },
      allowPositionals: command.allowPositionals ?? true,
      strict: true,
    });
    const json = parsed.values.json === true;
    const ctx: CommandContext = {
      positionals: parsed.positionals,
      values: parsed.values,
      json,
      signal: controller.signal,
      log: (line) => (json ? io.stderr : io.stdout).write(`${line}\n`),
      printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    };
    return (await command.run(ctx)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`scalespace ${command.name}: ${(error as Error).message}\n\n${help(command)}\n`);
      return 2;
    }
    if (error instanceof AbortError) {
      io.stderr.write(`scalespace ${command.name}: ${error.message}\n`);
      return 130;
    }
    if (error instanceof ScalespaceError) {
      io.stderr.write(`scalespace ${command.name}: ${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

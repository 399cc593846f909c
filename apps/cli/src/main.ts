import { type ParseArgsConfig, parseArgs } from 'node:util';
import { AbortError, RunDirectoryError, ScalespaceError } from '@scalespace/core';
import { type Command, type CommandContext, UsageError } from './command.js';
import { commands } from './commands/index.js';
import { commandHelp, usage } from './help.js';
import { CommandScope } from './scope.js';

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
    'Errors are one line; --debug (or SCALESPACE_DEBUG=1) adds the stack.',
    'Environment: SCALESPACE_BACKEND=wasm|cpu|tensorflow forces a TensorFlow.js backend;',
    'SCALESPACE_MEMORY_BUDGET=3G sets the memory one computation may use (default: from the backend).',
  ].join('\n');
}

/** The options of a command in node:util parseArgs form, with --json. */
function parseOptions(command: Command): NonNullable<ParseArgsConfig['options']> {
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => [
    name,
    { type: spec.kind === 'flag' ? ('boolean' as const) : ('string' as const) },
  ]);
  return { ...Object.fromEntries(options), json: { type: 'boolean' } };
}

/** Node's file-system errors, said plainly. */
const ERRNO: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  EROFS: 'the file system is read-only',
  EISDIR: 'a folder is in the way',
  ENOTDIR: 'a file is in the way',
};

/** One line saying what went wrong, for an error that is not a ScalespaceError. */
function describeUnexpected(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EEXIST' && e.syscall === 'mkdir') return `a file is in the way of a folder: ${e.path} (EEXIST)`;
  if (e?.code && ERRNO[e.code]) return `${ERRNO[e.code]}${e.path ? `: ${e.path}` : ''} (${e.code})`;
  const message = error instanceof Error ? error.message : String(error);
  // The wasm backend's allocator gives up this way; the size checks should have refused first.
  if (/Aborted\(|memory access out of bounds|Out of memory|Array buffer allocation failed/i.test(message)) {
    return `the backend ran out of memory (${message.split('.')[0]}); ask for a smaller size or set SCALESPACE_MEMORY_BUDGET lower`;
  }
  return `unexpected error: ${error instanceof Error ? `${error.name}: ` : ''}${message}`;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, '; ');

/**
 * Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error or an --out that cannot be
 * used, 130 interrupted). Never throws: every error is one line on stderr (with the stack after
 * --debug or SCALESPACE_DEBUG=1), and whatever the command created is disposed or removed.
 */
export async function main(
  argv: string[],
  io: MainIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const debug = argv.includes('--debug') || ['1', 'true'].includes(process.env.SCALESPACE_DEBUG ?? '');
  const args = argv.filter((a) => a !== '--debug');
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.stdout.write(`${overview()}\n`);
    return 0;
  }
  if (args[0] === '--version') {
    io.stdout.write('0.1.0\n');
    return 0;
  }
  const found = findCommand(args);
  if (!found) {
    io.stderr.write(`scalespace: unknown command "${args.join(' ')}"\n\n${overview()}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  const controller = new AbortController();
  if (io.signal?.aborted) controller.abort(io.signal.reason);
  else io.signal?.addEventListener('abort', () => controller.abort(io.signal?.reason), { once: true });
  const scope = new CommandScope();
  let code: number;
  let failure: unknown;
  try {
    const parsed = parseArgs({
      args: rest,
      options: parseOptions(command),
      allowPositionals: command.allowPositionals ?? true,
      strict: true,
    });
    const json = parsed.values.json === true;
    const ctx: CommandContext = {
      positionals: parsed.positionals,
      values: parsed.values as CommandContext['values'],
      options: command.options ?? {},
      json,
      signal: controller.signal,
      log: (line) => (json ? io.stderr : io.stdout).write(`${line}\n`),
      printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
      defer: (cleanup) => scope.defer(cleanup),
      output: (path) => scope.output(path),
      outputDir: (path) => scope.outputDir(path),
    };
    code = (await command.run(ctx)) ?? 0;
  } catch (error) {
    failure = error;
    code = 1;
  }
  // The first error wins: a cleanup that fails after it (a dispose after a crash) is not reported.
  const error = await scope.finish(failure);
  if (error === undefined) return code;
  const prefix = `scalespace ${command.name}: `;
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`${prefix}${oneLine((error as Error).message)}\n\n${usage(command)}\n`);
    return 2;
  }
  if (error instanceof AbortError) {
    io.stderr.write(`${prefix}${oneLine(error.message)}\n`);
    return 130;
  }
  const line =
    error instanceof ScalespaceError ? `${error.name}: ${oneLine(error.message)}` : oneLine(describeUnexpected(error));
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  const hint = !debug && !(error instanceof ScalespaceError) ? ' (--debug shows the stack)' : '';
  io.stderr.write(`${prefix}${line}${hint}${stack}\n`);
  return error instanceof RunDirectoryError ? 2 : 1;
}

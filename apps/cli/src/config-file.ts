import { readFile } from 'node:fs/promises';
import { ConfigError, ScalespaceError } from '@scalespace/core';

/** Reads a JSON file the user names (`--config`), or throws a ConfigError naming the file and what is wrong. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `${what} "${path}" does not exist` : `cannot read ${what} "${path}" (${code ?? error})`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what} "${path}" is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Checks a config object read from `path`: a JSON object with only the `known` fields, each then
 * checked by `validate` (whose ScalespaceError messages name the field); every message names the file.
 */
export function validateConfig<T>(
  value: unknown,
  path: string,
  known: readonly string[],
  validate: (config: T) => unknown,
): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`"${path}" must hold a JSON object of options, got ${JSON.stringify(value)?.slice(0, 40)}`);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `"${path}": unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`,
    );
  }
  try {
    validate(value as T);
  } catch (error) {
    if (!(error instanceof ScalespaceError)) throw error;
    throw new ConfigError(`"${path}": ${error.message}`, { cause: error });
  }
  return value as T;
}

/**
 * Strict command-line parsing for every command, on node:util parseArgs. An unknown flag or
 * a missing value is a USAGE error carrying the command's usage, so main.ts prints it.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { McpError } from '../domain/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What a command gets back: flag values by name and the positionals in order. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parses `args` strictly against `options`; USAGE on anything unexpected. */
export function parseCommandArgs(
  args: string[],
  options: Options,
  usage: string,
  positionals: { min?: number; max?: number } = {},
): ParsedArgs {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true }) as ParsedArgs;
  } catch (err) {
    throw new McpError('USAGE', firstLine(err), { usage });
  }
  const count = parsed.positionals.length;
  if (count < (positionals.min ?? 0)) throw new McpError('USAGE', 'missing argument', { usage });
  if (count > (positionals.max ?? Number.POSITIVE_INFINITY)) {
    throw new McpError('USAGE', `unexpected argument '${parsed.positionals[positionals.max ?? 0]}'`, {
      usage,
    });
  }
  return parsed;
}

/** Checks that a flag's value is one of `allowed`, so a typo in `--format` is a USAGE error. */
export function oneOf<T extends string>(
  value: string,
  allowed: readonly T[],
  flag: string,
  usage: string,
): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new McpError('USAGE', `${flag} must be one of ${allowed.join(', ')}; got '${value}'`, { usage });
}

const firstLine = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/\. To specify .*$/, '');

/**
 * The two config files (mcp-agent.toml, the CLI's mcp.toml) are read the same way: TOML,
 * then their JSON Schema with defaults filled in; every problem is one located line of an
 * INVALID_CONFIG error, as service files' errors are.
 */
import { readFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv';
import { McpError } from '../domain/errors.js';
import { formatSpecError } from '../domain/spec-error.js';
import { locator } from './locate.js';
import { describeAll } from './messages.js';
import { parseToml } from './parse.js';
import { formatPath } from './paths.js';

export type ConfigParser<T> = (file: string, text: string) => T;

export const invalidConfig = (kind: string, file: string, lines: string[]): McpError =>
  new McpError('INVALID_CONFIG', `invalid ${kind} ${file}:\n  ${lines.join('\n  ')}`, {
    file,
    errors: lines,
  });

/**
 * A parser of `kind` files checked by `validate`: a validator precompiled by `npm run gen`
 * (with useDefaults), so a command that reads its config does not load ajv's compiler.
 */
export const configParserOf = <T>(kind: string, validate: ValidateFunction<T>): ConfigParser<T> => {
  return (file, text) => {
    const parsed = parseToml(file, text);
    if (!parsed.ok) throw invalidConfig(kind, file, [formatSpecError(parsed.error)]);
    const value: unknown = parsed.value;
    if (validate(value)) return value as T;
    const at = locator(text);
    const lines = describeAll(validate.errors ?? []).map((p) => {
      return formatSpecError({
        file,
        ...at(p.path),
        path: formatPath(p.path),
        message: p.message,
        ...(p.hint && { hint: p.hint }),
      });
    });
    throw invalidConfig(kind, file, lines);
  };
};

/** Reads `path` for a config parser; INVALID_CONFIG when it cannot be read. */
export const readConfigFile = (path: string): Promise<string> =>
  readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new McpError('INVALID_CONFIG', `cannot read ${path}: ${err.code ?? err.message}`, { path });
  });

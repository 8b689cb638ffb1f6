/**
 * The two config files (mcp-agent.toml, the CLI's mcp.toml) are read the same way: TOML,
 * then their JSON Schema with defaults filled in; every problem is one located line of an
 * INVALID_CONFIG error, as service files' errors are.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type AnySchema } from 'ajv';
import { McpError } from '../domain/errors.js';
import { formatSpecError } from '../domain/spec-error.js';
import { locator } from './locate.js';
import { describe } from './messages.js';
import { parseToml } from './parse.js';
import { formatPath } from './paths.js';

export type ConfigParser<T> = (file: string, text: string) => T;

export const invalidConfig = (kind: string, file: string, lines: string[]): McpError =>
  new McpError('INVALID_CONFIG', `invalid ${kind} ${file}:\n  ${lines.join('\n  ')}`, {
    file,
    errors: lines,
  });

/** A parser of `kind` files (e.g. "agent config") validated by `schema`, defaults filled in. */
export const configParser = <T>(kind: string, schema: AnySchema): ConfigParser<T> => {
  const validate = new Ajv({ strict: true, allErrors: true, useDefaults: true, verbose: true }).compile<T>(
    schema,
  );
  return (file, text) => {
    const parsed = parseToml(file, text);
    if (!parsed.ok) throw invalidConfig(kind, file, [formatSpecError(parsed.error)]);
    const value: unknown = parsed.value;
    if (validate(value)) return value as T;
    const at = locator(text);
    const lines = (validate.errors ?? []).map((e) => {
      const p = describe(e);
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

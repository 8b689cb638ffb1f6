/**
 * mcp-agent.toml: parsed, validated against schema/agent.schema.json with its defaults filled
 * in, relative paths resolved against the file's directory. Errors name file, line and field.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv } from 'ajv';
import schema from '../../schema/agent.schema.json' with { type: 'json' };
import { McpError } from '../domain/errors.js';
import type { AgentConfig } from '../generated/agent.js';
import { formatSpecError } from '../spec/load.js';
import { locator } from '../spec/locate.js';
import { describe } from '../spec/messages.js';
import { parseToml } from '../spec/parse.js';
import { formatPath } from '../spec/paths.js';

type Filled<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object ? Required<NonNullable<T[K]>> : NonNullable<T[K]>;
};

/** The agent's configuration with every default in place. */
export type ResolvedAgentConfig = Filled<AgentConfig> & { source: AgentConfig['source'] };

const validate = new Ajv({
  strict: true,
  allErrors: true,
  useDefaults: true,
  verbose: true,
}).compile<AgentConfig>(schema);

/** Parses and validates `text` (from `file`); throws INVALID_CONFIG listing every problem. */
export const parseAgentConfig = (file: string, text: string): ResolvedAgentConfig => {
  const parsed = parseToml(file, text);
  if (!parsed.ok) throw invalid(file, [formatSpecError(parsed.error)]);
  const value = parsed.value;
  if (!validate(value)) {
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
    throw invalid(file, lines);
  }
  if (!value.source.url && !value.source.path) throw invalid(file, [`${file} source: needs url or path`]);
  const base = dirname(resolve(file));
  const config = value as ResolvedAgentConfig;
  config.state_dir = resolve(base, config.state_dir);
  if (config.source.path) config.source.path = resolve(base, config.source.path);
  if (config.source.token_file) config.source.token_file = resolve(base, config.source.token_file);
  for (const key of ['tls_cert', 'tls_key', 'webhook_secret_file'] as const) {
    const path = config.api[key];
    if (path) config.api[key] = resolve(base, path);
  }
  return config;
};

/** Reads and validates the config file at `path`. */
export const loadAgentConfig = async (path: string): Promise<ResolvedAgentConfig> => {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new McpError('INVALID_CONFIG', `cannot read ${path}: ${err.code ?? err.message}`, { path });
  });
  return parseAgentConfig(path, text);
};

const invalid = (file: string, lines: string[]): McpError =>
  new McpError('INVALID_CONFIG', `invalid agent config ${file}:\n  ${lines.join('\n  ')}`, {
    file,
    errors: lines,
  });

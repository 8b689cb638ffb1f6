/**
 * mcp-agent.toml: parsed, validated against schema/agent.schema.json with its defaults filled
 * in, relative paths resolved against the file's directory. Errors name file, line and field.
 */
import { dirname, resolve } from 'node:path';
import schema from '../../schema/agent.schema.json' with { type: 'json' };
import type { AgentConfig } from '../generated/agent.js';
import type { AdmissionPolicy } from '../policy/types.js';
import { configParser } from '../spec/config-compile.js';
import { invalidConfig, readConfigFile } from '../spec/config-file.js';

type Filled<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object ? Required<NonNullable<T[K]>> : NonNullable<T[K]>;
};

/** The agent's configuration with every default in place. */
export type ResolvedAgentConfig = Filled<AgentConfig> & { source: AgentConfig['source'] };

const parse = configParser<AgentConfig>('agent config', schema);

/** Parses and validates `text` (from `file`); throws INVALID_CONFIG listing every problem. */
export const parseAgentConfig = (file: string, text: string): ResolvedAgentConfig => {
  const value = parse(file, text);
  if (!value.source.url && !value.source.path)
    throw invalidConfig('agent config', file, [`${file} source: needs url or path`]);
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
export const loadAgentConfig = async (path: string): Promise<ResolvedAgentConfig> =>
  parseAgentConfig(path, await readConfigFile(path));

/** The config's `[admission]` rules; the schema has filled every default in. */
export const admissionPolicy = (config: ResolvedAgentConfig): AdmissionPolicy =>
  config.admission as AdmissionPolicy;

/**
 * mcp-agent.toml: parsed, validated against schema/agent.schema.json with its defaults filled
 * in, relative paths resolved against the file's directory. Errors name file, line and field.
 */
import { dirname, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { AdmissionPolicy } from '../domain/admission.js';
import { formatSpecError } from '../domain/spec-error.js';
import type { AgentConfig } from '../generated/agent.js';
import compiled from '../generated/agent.validate.js';
import { configParserOf, invalidConfig, readConfigFile } from './config-file.js';
import { locator } from './locate.js';
import { formatPath } from './paths.js';

type Filled<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object ? Required<NonNullable<T[K]>> : NonNullable<T[K]>;
};

/** The agent's configuration with every default in place. */
export type ResolvedAgentConfig = Filled<AgentConfig> & { source: AgentConfig['source'] };

const parse = configParserOf<AgentConfig>(
  'agent config',
  compiled as unknown as ValidateFunction<AgentConfig>,
);

/** What the schema cannot say of [api]: TLS needs both files, and a token digest names one token. */
const apiProblems = (file: string, text: string, value: AgentConfig): string[] => {
  const api = value.api ?? {};
  const at = locator(text);
  const problem = (path: (string | number)[], message: string) =>
    formatSpecError({ file, ...at(path), path: formatPath(path), message });
  const problems: string[] = [];
  if ((api.tls_cert === undefined) !== (api.tls_key === undefined)) {
    const given = api.tls_cert === undefined ? 'tls_key' : 'tls_cert';
    problems.push(
      problem(
        ['api', given],
        'tls_cert and tls_key go together: set both to serve HTTPS, or neither for plain HTTP',
      ),
    );
  }
  const seen = new Map<string, string>();
  (api.tokens ?? []).forEach((token, i) => {
    const first = seen.get(token.sha256);
    if (first === undefined) seen.set(token.sha256, token.name);
    else
      problems.push(
        problem(
          ['api', 'tokens', i, 'sha256'],
          `the same digest as token ${first}: one token cannot have two names and roles; give each its own token`,
        ),
      );
  });
  return problems;
};

/** What the schema cannot say of [source.verify]: a git source, and the key file its mode needs. */
const verifyProblems = (file: string, text: string, value: AgentConfig): string[] => {
  const verify = value.source.verify;
  if (!verify) return [];
  const at = locator(text);
  const problem = (path: (string | number)[], message: string) =>
    formatSpecError({ file, ...at(path), path: formatPath(path), message });
  if (!value.source.url)
    return [
      problem(
        ['source', 'verify'],
        'a local directory has no commits to verify: set source.url, or drop [source.verify]',
      ),
    ];
  const needs = verify.mode === 'ssh' ? 'allowed_signers' : 'keyring';
  if (verify[needs] === undefined)
    return [
      problem(
        ['source', 'verify', 'mode'],
        `mode ${verify.mode} needs ${needs}: the file of the keys allowed to sign`,
      ),
    ];
  return [];
};

/** Parses and validates `text` (from `file`); throws INVALID_CONFIG listing every problem. */
export const parseAgentConfig = (file: string, text: string): ResolvedAgentConfig => {
  const value = parse(file, text);
  if (!value.source.url && !value.source.path)
    throw invalidConfig('agent config', file, [`${file} source: needs url or path`]);
  const problems = [...apiProblems(file, text, value), ...verifyProblems(file, text, value)];
  if (problems.length) throw invalidConfig('agent config', file, problems);
  const base = dirname(resolve(file));
  const config = value as ResolvedAgentConfig;
  config.state_dir = resolve(base, config.state_dir);
  if (config.source.path) config.source.path = resolve(base, config.source.path);
  if (config.source.token_file) config.source.token_file = resolve(base, config.source.token_file);
  const verify = config.source.verify;
  if (verify?.allowed_signers) verify.allowed_signers = resolve(base, verify.allowed_signers);
  if (verify?.keyring) verify.keyring = resolve(base, verify.keyring);
  if (config.secrets?.identity_file)
    config.secrets.identity_file = resolve(base, config.secrets.identity_file);
  if (config.secrets?.runtime_dir) config.secrets.runtime_dir = resolve(base, config.secrets.runtime_dir);
  config.api.files_root = resolve(base, config.api.files_root);
  for (const n of config.notify ?? [])
    for (const key of ['secret_file', 'access_token_file', 'token_file'] as const) {
      const path = n[key];
      if (path) n[key] = resolve(base, path);
    }
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

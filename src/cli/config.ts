/**
 * The operator's mcp.toml (schema/cli.schema.json): the services repository, the API token
 * and the nodes whose agents the query commands ask. Found at --config, $MCP_CONFIG, or
 * $XDG_CONFIG_HOME/mcp/mcp.toml (default ~/.config/mcp/mcp.toml).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { McpError } from '../domain/errors.js';
import type { CliConfig } from '../generated/cli.js';
import compiled from '../generated/cli.validate.js';
import { configParserOf, readConfigFile } from '../spec/config-file.js';
import type { CliContext } from './context.js';

export interface Node {
  name: string;
  address: string;
}

const parse = configParserOf<CliConfig>('mcp config', compiled as unknown as ValidateFunction<CliConfig>);

/** The config file's path: the flag, then $MCP_CONFIG, then the XDG location. */
export const configPath = (ctx: CliContext, flag?: string): string => {
  if (flag) return resolve(ctx.cwd, flag);
  if (ctx.env.MCP_CONFIG) return resolve(ctx.cwd, ctx.env.MCP_CONFIG);
  const base = ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || homedir(), '.config');
  return join(base, 'mcp', 'mcp.toml');
};

/** Loads the config; `~/` paths in it are under $HOME, relative ones under its directory. */
export const loadCliConfig = async (path: string, home = homedir()): Promise<CliConfig> => {
  const config = parse(path, await readConfigFile(path));
  const at = (p: string) => (p.startsWith('~/') ? join(home, p.slice(2)) : resolve(dirname(path), p));
  if (config.auth?.token_path) config.auth.token_path = at(config.auth.token_path);
  if (config.services?.dir) config.services.dir = at(config.services.dir);
  if (config.services?.token_path) config.services.token_path = at(config.services.token_path);
  return config;
};

/** The config of this invocation: --config FILE (as `flag`), $MCP_CONFIG, or the XDG file. */
export const loadCliConfigFor = (ctx: CliContext, flag: unknown): Promise<CliConfig> =>
  loadCliConfig(configPath(ctx, typeof flag === 'string' ? flag : undefined), ctx.env.HOME || undefined);

/** The API token: $MCP_TOKEN, else the file at auth.token_path; undefined when neither is set. */
export const readToken = async (config: CliConfig, ctx: CliContext): Promise<string | undefined> => {
  if (ctx.env.MCP_TOKEN) return ctx.env.MCP_TOKEN.trim();
  const path = config.auth?.token_path;
  if (!path) return undefined;
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new McpError(
      'INVALID_CONFIG',
      `cannot read the token at auth.token_path ${path}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
};

/** The configured nodes named in `names` (all of them when none is named). */
export const selectNodes = (config: CliConfig, names: readonly string[]): Node[] => {
  const nodes = config.nodes ?? [];
  if (!nodes.length)
    throw new McpError('INVALID_CONFIG', 'no nodes are configured', {
      hint: 'add [[nodes]] name and address to mcp.toml',
    });
  if (!names.length) return nodes;
  return names.map((name) => {
    const node = nodes.find((n) => n.name === name);
    if (!node)
      throw new McpError('NOT_FOUND', `no node named ${name}`, {
        hint: `nodes: ${nodes.map((n) => n.name).join(', ')}`,
      });
    return node;
  });
};

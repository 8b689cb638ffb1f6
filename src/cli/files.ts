/**
 * What `mcp push` and `mcp pull` share: which node's agent holds a service's files. The
 * `--node` flag, else the node the services clone (services.dir) assigns the service to,
 * else the only node of the config.
 */
import { resolve } from 'node:path';
import { loadRevisionFromDir } from '../adapters/dir/load.js';
import { McpError } from '../domain/errors.js';
import type { CliConfig } from '../generated/cli.js';
import { type Node, selectNodes } from './config.js';
import type { CliContext } from './context.js';

export const FILE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  node: { type: 'string' },
} as const;

export const nodeOf = async (
  config: CliConfig,
  service: string,
  flag: unknown,
  ctx: CliContext,
): Promise<Node> => {
  if (typeof flag === 'string') return selectNodes(config, [flag])[0];
  if (config.services?.dir) {
    const loaded = await loadRevisionFromDir(resolve(ctx.cwd, config.services.dir)).catch(() => undefined);
    const nodes = loaded?.ok
      ? loaded.revision.services.filter((s) => s.name === service).map((s) => s.node)
      : [];
    if (nodes.length === 1) return selectNodes(config, nodes)[0];
    if (nodes.length > 1)
      throw new McpError('USAGE', `${service} runs on ${nodes.join(', ')}: give --node`, {
        hint: 'one node at a time',
      });
  }
  const all = selectNodes(config, []);
  if (all.length === 1) return all[0];
  throw new McpError('USAGE', `which node holds ${service}? give --node`, {
    hint: 'or set services.dir in mcp.toml so mcp can look it up',
  });
};

/** The API path of a service's file; each segment escaped, so a name cannot change the route. */
export const filePath = (service: string, path: string): string =>
  `/v1/files/${[service, ...path.split('/').filter((p) => p !== '')].map(encodeURIComponent).join('/')}`;

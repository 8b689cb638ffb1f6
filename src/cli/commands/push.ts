/** `mcp push`: copy a local file into a service's directory on its node (`/srv/<service>/`). */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { McpError } from '../../domain/errors.js';
import { transfer } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor, readToken } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { FILE_OPTIONS, filePath, nodeOf } from '../files.js';

export const help = `usage: mcp push SERVICE LOCAL_FILE [PATH] [--node NODE] [--config FILE]

Writes LOCAL_FILE as PATH (default: its file name) in the service's directory on its node,
/srv/SERVICE/PATH by default (the agent's api.files_root). The agent writes a temporary file
and renames it into place. Needs a token with the operate role.
The node is --node, else the one the services clone (services.dir) names, else the only one.

exit codes: 0 written, 66 no such service on that node or no such local file, 69 agent
unreachable, 77 token refused, 64 bad usage.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, FILE_OPTIONS, help, { min: 2, max: 3 });
  const [service, local, path = basename(local)] = positionals;
  const config = await loadCliConfigFor(ctx, values.config);
  const node = await nodeOf(config, service, values.node, ctx);
  const body = await readFile(resolve(ctx.cwd, local)).catch((err: NodeJS.ErrnoException) => {
    throw new McpError('NOT_FOUND', `cannot read ${local}: ${err.code}`);
  });
  await transfer(node, filePath(service, path), {
    method: 'PUT',
    token: await readToken(config, ctx),
    body: new Uint8Array(body),
  });
  ctx.out(`${node.name}: wrote ${service}/${path} (${body.length} bytes)`);
  return EXIT.ok;
}

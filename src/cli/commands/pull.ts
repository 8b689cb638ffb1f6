/** `mcp pull`: copy a file of a service's directory on its node to here. */
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { transfer } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor, readToken } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { FILE_OPTIONS, filePath, nodeOf } from '../files.js';

export const help = `usage: mcp pull SERVICE PATH [LOCAL_FILE | -] [--node NODE] [--config FILE]

Reads PATH of the service's directory on its node (/srv/SERVICE/PATH by default) into
LOCAL_FILE (default: its file name here; - for standard output). Needs a read token.
The node is --node, else the one the services clone (services.dir) names, else the only one.

exit codes: 0 read, 66 no such service or file, 69 agent unreachable, 77 token refused,
64 bad usage.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, FILE_OPTIONS, help, { min: 2, max: 3 });
  const [service, path, local = basename(path)] = positionals;
  const config = await loadCliConfigFor(ctx, values.config);
  const node = await nodeOf(config, service, values.node, ctx);
  const bytes = await transfer(node, filePath(service, path), { token: await readToken(config, ctx) });
  if (local === '-') ctx.out(bytes.toString('utf8'));
  else {
    await writeFile(resolve(ctx.cwd, local), bytes);
    ctx.err(`${node.name}: read ${service}/${path} (${bytes.length} bytes) into ${local}`);
  }
  return EXIT.ok;
}

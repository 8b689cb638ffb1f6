/** `mcp login [NODE]`: store the API token the agent commands send, after an agent accepts it. */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { McpError } from '../../domain/errors.js';
import type { CliConfig } from '../../generated/cli.js';
import { askNodes } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { configPath, loadCliConfig, selectNodes } from '../config.js';
import { editCliConfig } from '../config-edit.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readSecret } from '../read-secret.js';
import { editToml } from '../toml-edit.js';

export const help = `usage: mcp login [NODE] [--config FILE] [--json]

Reads an API token (typed without echo on a terminal, or piped on stdin), checks it with
the agent of NODE (default: every node of mcp.toml) and stores it at auth.token_path with
mode 0600 (its directory 0700). Without auth.token_path, the token goes beside mcp.toml
as "token" and auth.token_path is added to mcp.toml (its comments kept). Prints the role
the token has on each node (read: queries; operate: also sync, restart, adopt, push).
A refused token writes nothing.

  --config FILE  mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)
  --json         [{node, token, role}]

exit codes: 0 stored, 77 an agent refused the token (nothing written), 69 no agent could
be reached (nothing written), 66 unknown node, 78 bad config, 64 bad usage or empty token.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
} as const;

interface Whoami {
  token: string | null;
  role: 'read' | 'operate' | null;
}

/** Writes the token with mode 0600 through a temporary file, so a reader never sees half of it. */
const storeToken = async (path: string, token: string): Promise<void> => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
};

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { max: 1 });
  const path = configPath(ctx, values.config as string | undefined);
  const config: CliConfig = await loadCliConfig(path, ctx.env.HOME || undefined);
  const nodes = selectNodes(config, positionals);
  const token = await readSecret('API token: ');
  if (!token) throw new McpError('USAGE', 'no token given (type it, or pipe it on stdin)', { usage: help });

  const checks = await askNodes<Whoami>(nodes, '/v1/status', { token, timeoutMs: 10_000 });
  const refused = checks.find((a) => !a.ok && a.error.code === 'UNAUTHORIZED');
  if (refused && !refused.ok)
    throw new McpError('UNAUTHORIZED', `${refused.node.name} refused the token: nothing was written`, {
      hint: "check the token; its SHA-256 must be one of [[api.tokens]] in that node's mcp-agent.toml",
    });
  const reached = checks.filter((a) => a.ok);
  if (reached.length === 0) {
    for (const a of checks) if (!a.ok) ctx.err(`mcp: ${a.error.message}`);
    throw new McpError('AGENT_UNAVAILABLE', 'no agent could check the token: nothing was written');
  }
  const roles = await askNodes<Whoami>(
    reached.map((a) => a.node),
    '/v1/whoami',
    { token, timeoutMs: 10_000 },
  );

  const target = config.auth?.token_path ?? join(dirname(path), 'token');
  await storeToken(target, token);
  if (!config.auth?.token_path)
    await editCliConfig(path, (text) =>
      editToml(path, text, (doc) => {
        doc.auth = { ...((doc.auth as object | undefined) ?? {}), token_path: target };
      }),
    );

  const rows = checks.map((a) => {
    const who = roles.find((r) => r.node.name === a.node.name);
    if (!a.ok) return { node: a.node.name, token: null, role: null, error: a.error.message };
    if (who?.ok) return { node: a.node.name, token: who.body.token, role: who.body.role };
    return { node: a.node.name, token: null, role: 'read or more (this agent does not say which)' };
  });
  if (values.json) ctx.out(JSON.stringify(rows, null, 2));
  else {
    for (const r of rows)
      ctx.out(
        r.role
          ? `${r.node}: token ${r.token ?? ''} accepted, role ${r.role}`
          : `${r.node}: not checked (${r.error})`,
      );
    ctx.out(`token stored at ${target}`);
  }
  return EXIT.ok;
}

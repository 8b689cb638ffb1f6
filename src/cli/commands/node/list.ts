/** `mcp node list`: the configured nodes and what each agent says right now, one request each. */
import type { PassStatus } from '../../../ports/state-store.js';
import { askNodes } from '../../agent-client.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor, readToken } from '../../config.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { ago, secondsFlag, table } from '../../nodes.js';
import { style } from '../../style.js';

export const help = `usage: mcp node list [--timeout S] [--json] [--config FILE]

Lists the nodes of mcp.toml: name, address, whether the agent answers (one /v1/status
request per node, all in parallel), the revision it applied and its last pass. A node
that does not answer is a row saying why, not a failure of the command.

  --timeout S    how long to wait for each agent (default 5)
  --json         [{name, address, reachable, revision, lastPass, error}]
  --config FILE  mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)

exit codes: 0 listed (reachable or not), 78 bad config, 64 bad usage.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
  timeout: { type: 'string', default: '5' },
} as const;

interface Status {
  revision: string | null;
  lastPass: PassStatus | null;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS, help, { max: 0 });
  const timeout = secondsFlag(values.timeout, help);
  const config = await loadCliConfigFor(ctx, values.config);
  const nodes = config.nodes ?? [];
  const token = await readToken(config, ctx);
  const answers = await askNodes<Status>(nodes, '/v1/status', { token, timeoutMs: timeout * 1000 });
  const rows = answers.map((a) => ({
    name: a.node.name,
    address: a.node.address,
    reachable: a.ok || a.error.code === 'UNAUTHORIZED',
    revision: a.ok ? a.body.revision : null,
    lastPass: a.ok ? a.body.lastPass : null,
    ...(!a.ok && { error: a.error.toJSON() }),
  }));
  if (values.json) {
    ctx.out(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.out('no nodes in mcp.toml; add one with mcp node add NAME ADDRESS');
    return EXIT.ok;
  }
  const s = style(ctx);
  const lines = answers.map((a) => {
    const reach = a.ok
      ? s.green('yes')
      : a.error.code === 'UNAUTHORIZED'
        ? s.yellow('token refused')
        : s.red('no');
    const pass = a.ok ? a.body.lastPass : null;
    return [
      a.node.name,
      a.node.address,
      reach,
      (a.ok && a.body.revision?.slice(0, 7)) || '-',
      pass ? `${pass.result} ${ago(pass.at)}` : a.ok ? 'no pass yet' : a.error.message.replace(/^.*?: /, ''),
    ];
  });
  ctx.out(table([['NAME', 'ADDRESS', 'REACHABLE', 'REVISION', 'LAST PASS'], ...lines]));
  return EXIT.ok;
}

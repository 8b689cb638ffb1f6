/** `mcp secret list [SERVICE]`: the clone's secrets, who each is encrypted to, and whether that is current. */
import { RECIPIENTS_FILE } from '../../../domain/secrets.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { table } from '../../nodes.js';
import { cloneDir } from '../../secret-commit.js';
import {
  isCurrent,
  nodeOfService,
  readRecipients,
  recipientName,
  type SecretEntry,
  secretInventory,
} from '../../secret-repo.js';
import { checkServiceName } from '../../service-in-force.js';

export const help = `usage: mcp secret list [SERVICE] [--repo DIR] [--config FILE]

Lists the secrets of the services clone (of SERVICE, or of all services): each one's name,
the recipients its .recipients record says it is encrypted to (by their names in
.mcp/recipients.toml, else the age1... key), and whether that is what recipients.toml asks
now: "current", or what differs (mcp secret rotate-recipients fixes that). It needs no
key and shows no value.

  --repo DIR      the services clone (default: services.dir of mcp.toml, else .)
  --config FILE   mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)

exit codes: 0 listed (also when some are not current), 1 ${RECIPIENTS_FILE} is invalid,
66 SERVICE not in the clone, 64 bad usage.`;

const OPTIONS = { config: { type: 'string', short: 'c' }, repo: { type: 'string' } } as const;

const stateOf = (e: SecretEntry, name: (r: string) => string): string => {
  if (e.node === undefined) return `service ${e.service} not in the clone`;
  if (e.wanted === undefined) return `node ${e.node} has no recipients`;
  if (e.record === undefined) return 'no record: rotate-recipients';
  if (isCurrent(e)) return 'current';
  const parts = [
    ...(e.missing.length ? [`not to ${e.missing.map(name).join(', ')}`] : []),
    ...(e.extra.length ? [`also to ${e.extra.map(name).join(', ')}`] : []),
  ];
  return `${parts.join('; ')}: rotate-recipients`;
};

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { max: 1 });
  const [only] = positionals;
  if (only !== undefined) checkServiceName(only, help);
  const config = await loadCliConfigFor(ctx, values.config).catch(() => ({}));
  const dir = cloneDir(ctx, config, values.repo);
  if (only !== undefined) await nodeOfService(dir, only);
  const recipients = await readRecipients(dir);
  const entries = await secretInventory(dir, recipients, only);
  if (entries.length === 0) {
    ctx.out(`no secrets${only ? ` of ${only}` : ''} in ${dir}`);
    return EXIT.ok;
  }
  const name = (r: string) => recipientName(recipients, r);
  const short = (r: string) => recipientName(recipients, r, true);
  const rows = entries.map((e) => [
    e.service,
    e.name,
    e.record === undefined ? '-' : e.record.map(name).join(', '),
    stateOf(e, short),
  ]);
  ctx.out(table([['SERVICE', 'SECRET', 'ENCRYPTED TO', 'RECIPIENTS.TOML'], ...rows]));
  return EXIT.ok;
}

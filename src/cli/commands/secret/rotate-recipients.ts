/** `mcp secret rotate-recipients [SERVICE]`: re-encrypt the secrets whose record differs from recipients.toml. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptFile } from '../../../adapters/age/crypt.js';
import { readIdentityFile } from '../../../adapters/age/identity.js';
import { formatRecord, RECIPIENTS_FILE } from '../../../domain/secrets.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { ROLLOUT_HELP } from '../../rollout-args.js';
import {
  COMMIT_HELP,
  cloneDir,
  IDENTITY_HELP,
  identityPath,
  SECRET_OPTIONS,
  writeAndRollout,
} from '../../secret-commit.js';
import {
  isCurrent,
  nodeOfService,
  readRecipients,
  recipientName,
  type SecretEntry,
  secretFiles,
  secretInventory,
} from '../../secret-repo.js';
import { seal } from '../../secret-value.js';
import { checkServiceName } from '../../service-in-force.js';

export const help = `usage: mcp secret rotate-recipients [SERVICE] [--identity FILE] [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

After a node was added or its key changed, or an operator joined or left: decrypts, with
your age identity, every secret of the services clone (of SERVICE, or of all services)
whose .recipients record differs from what .mcp/recipients.toml now asks (the node's
recipients and every operator's), encrypts it again to exactly those, and writes both
files. Then validates, commits, pushes and waits as mcp deploy does; the values do not
change, so no component is recreated. Secrets of a service not in the clone, or of a node
without recipients, are named and left as they are. Nothing to re-encrypt commits nothing.
A removed recipient can still read the old files in the repository's history: change the
values themselves (mcp secret set / edit) when a key was lost or stolen.

${COMMIT_HELP}

${IDENTITY_HELP}
${ROLLOUT_HELP}
Also: exit 0 with "nothing to re-encrypt" when every record is current, 1 a secret is not
encrypted to your identity (nothing written), 66 SERVICE not in the clone, 78 the identity
file is missing or readable by others.`;

const describe = (e: SecretEntry, name: (r: string) => string): string => {
  const parts = [
    ...(e.record === undefined ? ['it had no record'] : []),
    ...(e.missing.length ? [`added ${e.missing.map(name).join(', ')}`] : []),
    ...(e.extra.length ? [`removed ${e.extra.map(name).join(', ')}`] : []),
  ];
  return `re-encrypted ${e.service}/${e.name} to ${(e.wanted ?? []).map(name).join(', ')} (${parts.join('; ')})`;
};

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, SECRET_OPTIONS, help, { max: 1 });
  const [only] = parsed.positionals;
  if (only !== undefined) checkServiceName(only, help);
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  const dir = cloneDir(ctx, config, parsed.values.repo);
  if (only !== undefined) await nodeOfService(dir, only);
  const recipients = await readRecipients(dir);
  const entries = (await secretInventory(dir, recipients, only)).filter((e) => !isCurrent(e));
  for (const e of entries)
    if (e.wanted === undefined)
      ctx.err(
        e.node === undefined
          ? `${e.service}/${e.name}: no valid file of service ${e.service} in the clone; left as it is`
          : `${e.service}/${e.name}: node ${e.node} has no recipients in ${RECIPIENTS_FILE}; left as it is`,
      );
  const stale = entries.filter((e) => e.wanted !== undefined);
  if (stale.length === 0) {
    ctx.out(
      `nothing to re-encrypt: every secret${only ? ` of ${only}` : ''} is encrypted to the recipients ${RECIPIENTS_FILE} lists`,
    );
    return EXIT.ok;
  }
  const identities = await readIdentityFile(identityPath(ctx, parsed.values.identity));
  const writes = new Map<string, string>();
  for (const e of stale) {
    const [file, record] = secretFiles(e.service, e.name);
    const plain = await decryptFile(file, await readFile(join(dir, file)), identities);
    try {
      writes.set(file, await seal(e.wanted!, plain, `${e.service}/${e.name}`));
    } finally {
      plain.fill(0);
    }
    writes.set(record, formatRecord(e.wanted!));
  }
  const name = (r: string) => recipientName(recipients, r, true);
  for (const e of stale) ctx.out(describe(e, name));
  const services = [...new Set(stale.map((e) => e.service))];
  return writeAndRollout(ctx, config, parsed, {
    dir,
    services,
    writes,
    message: `secret rotate-recipients ${services.join(', ')}`,
  });
}

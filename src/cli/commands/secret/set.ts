/** `mcp secret set SERVICE NAME`: a value from stdin or a file, encrypted into the clone, then committed as deploy does. */
import { McpError } from '../../../domain/errors.js';
import { formatRecord, recordPath, secretPath } from '../../../domain/secrets.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { ROLLOUT_HELP, ROLLOUT_OPTIONS } from '../../rollout-args.js';
import { COMMIT_HELP, cloneDir, writeAndRollout } from '../../secret-commit.js';
import {
  nodeOfService,
  readRecipients,
  recipientName,
  SECRET_NAME,
  wantedRecipients,
} from '../../secret-repo.js';
import { readValue, refuseEmpty, seal } from '../../secret-value.js';
import { checkServiceName } from '../../service-in-force.js';

export const help = `usage: mcp secret set SERVICE NAME [--file F] [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

Encrypts a value to the recipients .mcp/recipients.toml of the services clone lists for
SERVICE's node and to every operator, and writes secrets/SERVICE/NAME.age (armored) and
secrets/SERVICE/NAME.recipients (who it is encrypted to, for review). Then validates,
commits, pushes and waits as mcp deploy does. A component receives it once its service
file names it: secrets = [{ name = "NAME", env = "VAR" }], or file = "/run/secrets/x"
instead of env.

The value never comes from the command line: with --file F, the bytes of F as they are;
else stdin: typed without echo on a terminal (one line), or piped (all of it, less one
trailing newline). Nothing is written when SERVICE is not in the clone, its node has no
recipients (mcp node add NODE ADDRESS --age-recipient age1...), or the value is empty.

${COMMIT_HELP}

  --file F        read the value from F (a certificate, a key file)
${ROLLOUT_HELP}
Also: exit 1 when the node has no recipients, 64 an empty value or a value on the
command line, 66 SERVICE not in the clone (nothing written in each case).`;

const OPTIONS = { ...ROLLOUT_OPTIONS, file: { type: 'string', short: 'f' } } as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS, help, { min: 2 });
  if (parsed.positionals.length > 2)
    throw new McpError(
      'USAGE',
      'mcp secret set takes no value on the command line (shell history and ps would show it): nothing written',
      { hint: 'pipe it on stdin, type it at the prompt, or give --file F', usage: help },
    );
  const [service, name] = parsed.positionals;
  checkServiceName(service, help);
  if (!SECRET_NAME.test(name))
    throw new McpError('USAGE', `'${name}' is not a secret name (a-z, 0-9, _ . -; up to 63)`, {
      usage: help,
    });
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  const dir = cloneDir(ctx, config, parsed.values.repo);
  const recipients = await readRecipients(dir);
  const wanted = wantedRecipients(recipients, await nodeOfService(dir, service));
  const what = `${service}/${name}`;
  const value = await readValue(ctx, parsed.values.file as string | undefined, `value of ${what}: `);
  let armored: string;
  try {
    refuseEmpty(value, what, help);
    armored = await seal(wanted, value, what);
  } finally {
    value.fill(0);
  }
  ctx.out(`encrypted ${what} to ${wanted.map((r) => recipientName(recipients, r)).join(', ')}`);
  return writeAndRollout(ctx, config, parsed, {
    dir,
    services: [service],
    writes: new Map([
      [secretPath(service, name), armored],
      [recordPath(service, name), formatRecord(wanted)],
    ]),
    message: `secret set ${what}`,
  });
}

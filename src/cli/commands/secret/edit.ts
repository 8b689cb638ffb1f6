/** `mcp secret edit SERVICE NAME`: the plain text in $EDITOR on a tmpfs file, re-encrypted, committed as deploy does. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decryptFile } from '../../../adapters/age/crypt.js';
import { readIdentityFile } from '../../../adapters/age/identity.js';
import { McpError } from '../../../domain/errors.js';
import { formatRecord, recordPath, secretPath } from '../../../domain/secrets.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { editorOf, runEditor } from '../../edit-session.js';
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
import { nodeOfService, readRecipients, SECRET_NAME, wantedRecipients } from '../../secret-repo.js';
import { checkTmpfs, DEFAULT_EDIT_DIR, withTmpfsFile } from '../../secret-tmpfs.js';
import { refuseEmpty, seal } from '../../secret-value.js';
import { checkServiceName } from '../../service-in-force.js';

export const help = `usage: mcp secret edit SERVICE NAME [--identity FILE] [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

Decrypts secrets/SERVICE/NAME.age of the services clone with your age identity, writes the
plain text to a fresh private file (0600) on a tmpfs ($MCP_SECRET_TMPDIR, default
/dev/shm; refused when it is not a tmpfs) and opens it in $VISUAL (else $EDITOR, else vi).
The file is removed when the editor exits, whatever happens. A changed value is encrypted
again to SERVICE's node and every operator, then validated, committed, pushed and waited
for as mcp deploy does. Saved unchanged: nothing is committed. When the value had no
trailing newline, one the editor adds is dropped.

${COMMIT_HELP}

${IDENTITY_HELP}
${ROLLOUT_HELP}
Also: exit 1 when the editor exits with an error (nothing changed) or the secret is not
encrypted to your identity, 64 an empty value, 66 no such service or secret, 78 the
identity file is missing or readable by others, or the temp dir is not a tmpfs.`;

/** The saved text, less the one trailing newline an editor adds to a value that had none. */
const asSaved = (before: Uint8Array, saved: Buffer): Buffer =>
  before.at(-1) !== 0x0a && saved.at(-1) === 0x0a ? saved.subarray(0, saved.length - 1) : saved;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, SECRET_OPTIONS, help, { min: 2, max: 2 });
  const [service, name] = parsed.positionals;
  checkServiceName(service, help);
  if (!SECRET_NAME.test(name)) throw new McpError('USAGE', `'${name}' is not a secret name`, { usage: help });
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  const dir = cloneDir(ctx, config, parsed.values.repo);
  const recipients = await readRecipients(dir);
  const wanted = wantedRecipients(recipients, await nodeOfService(dir, service));
  const file = secretPath(service, name);
  const ciphertext = await readFile(join(dir, file)).catch(() => {
    throw new McpError('NOT_FOUND', `no secret ${name} of ${service} in the clone (no ${file})`, {
      hint: `mcp secret set ${service} ${name} < FILE`,
    });
  });
  const identities = await readIdentityFile(identityPath(ctx, parsed.values.identity));
  const base = ctx.env.MCP_SECRET_TMPDIR || DEFAULT_EDIT_DIR;
  await checkTmpfs(base);
  const before = await decryptFile(file, ciphertext, identities);
  const what = `${service}/${name}`;
  let armored: string;
  const edited = await withTmpfsFile(base, name, before, async (path) => {
    const exit = await runEditor(editorOf(ctx.env), path, { ...ctx.env });
    return { exit, saved: exit === 0 ? asSaved(before, await readFile(path)) : undefined };
  }).catch((err: unknown) => {
    before.fill(0);
    throw err;
  });
  const { exit, saved } = edited;
  try {
    if (saved === undefined) {
      ctx.err(`mcp: edit given up (the editor exited with ${exit}); ${file} is as it was`);
      return EXIT.invalid;
    }
    if (saved.equals(before)) {
      ctx.out(`${what} unchanged; nothing committed`);
      return EXIT.ok;
    }
    refuseEmpty(saved, what, help);
    armored = await seal(wanted, saved, what);
  } finally {
    before.fill(0);
    saved?.fill(0);
  }
  ctx.out(`re-encrypted ${what}`);
  return writeAndRollout(ctx, config, parsed, {
    dir,
    services: [service],
    writes: new Map([
      [file, armored],
      [recordPath(service, name), formatRecord(wanted)],
    ]),
    message: `secret edit ${what}`,
  });
}

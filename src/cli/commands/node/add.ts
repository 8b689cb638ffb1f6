/** `mcp node add NAME ADDRESS`: a node in mcp.toml, so the agent commands ask it too; with its age recipients. */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { McpError } from '../../../domain/errors.js';
import { isAgeRecipient, RECIPIENTS_FILE } from '../../../domain/secrets.js';
import { formatSpecError } from '../../../domain/spec-error.js';
import { parseRecipients } from '../../../validate/secrets.js';
import { parseCommandArgs } from '../../args.js';
import { configPath, loadCliConfig } from '../../config.js';
import { editCliConfig } from '../../config-edit.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { isCurrent, secretInventory } from '../../secret-repo.js';
import { addNode, setNodeRecipients } from '../../toml-edit.js';

export const help = `usage: mcp node add NAME ADDRESS [--age-recipient age1...]... [--repo DIR] [--config FILE]

Adds [[nodes]] name = NAME, address = ADDRESS to mcp.toml (created when missing), keeping
its comments and layout. ADDRESS is host:port of the node's agent, or an https:// URL.
The file is checked afterwards; when it does not validate it is put back as it was.

With --age-recipient (the node's age public key: age-keygen -y on its [secrets]
identity_file; repeatable), also sets [nodes] NAME = [...] in .mcp/recipients.toml of the
services clone (created when missing, comments and layout kept, earlier keys of NAME
replaced), so mcp secret encrypts the secrets of NAME's services to it. That file is
written, not committed: the next mcp secret set, edit or rotate-recipients commits it
with the secrets it encrypted, or commit it yourself. When secrets of NAME's services
exist, mcp secret rotate-recipients is the next step (it says so). To change the key of
a node: mcp node remove NAME, then mcp node add NAME ADDRESS --age-recipient NEW.

  --age-recipient K  an age recipient of the node (age1...); repeatable
  --repo DIR         the services clone (default: services.dir of mcp.toml)
  --config FILE      mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)

exit codes: 0 added, 3 a node of that name exists (nothing written), 1 ${RECIPIENTS_FILE}
is invalid, 66 the services clone does not exist, 78 the result would be an invalid config
(nothing changed), 64 bad usage.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  repo: { type: 'string' },
  'age-recipient': { type: 'string', multiple: true },
} as const;

/** The services clone for the recipients: --repo, else services.dir of the config (when it exists). */
const servicesDir = async (ctx: CliContext, path: string, repo: unknown): Promise<string> => {
  if (typeof repo === 'string') return resolve(ctx.cwd, repo);
  const config = await loadCliConfig(path, ctx.env.HOME || undefined).catch(() => undefined);
  if (config?.services?.dir) return resolve(ctx.cwd, config.services.dir);
  throw new McpError('USAGE', 'where is the services clone for .mcp/recipients.toml? give --repo DIR', {
    hint: 'or set services.dir in mcp.toml',
  });
};

/** The recipients file as it will be, checked before anything is written. */
const plannedRecipients = async (
  ctx: CliContext,
  path: string,
  repo: unknown,
  name: string,
  keys: string[],
) => {
  const dir = await servicesDir(ctx, path, repo);
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new McpError('NOT_FOUND', `no services clone at ${dir}`);
  const file = join(dir, RECIPIENTS_FILE);
  const before = await readFile(file, 'utf8').catch(() => '');
  const { text, replaced } = setNodeRecipients(file, before, name, keys);
  const parsed = parseRecipients(text);
  if (!parsed.ok)
    throw new McpError(
      'INVALID_SPEC',
      `${file} is invalid: ${parsed.errors.map(formatSpecError).join('; ')}`,
    );
  return { dir, file, text, replaced, recipients: parsed.value };
};

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { min: 2, max: 2 });
  const [name, address] = positionals;
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
    throw new McpError('USAGE', `node name '${name}' must be a DNS label (a-z, 0-9, -)`, { usage: help });
  if (!/^(https?:\/\/)?[^\s/:]+(:\d+)?\/?$|^https?:\/\/\[[0-9a-f:]+\](:\d+)?\/?$/i.test(address))
    throw new McpError('USAGE', `address '${address}' must be host:port or an http(s):// URL`, {
      usage: help,
    });
  const keys = [...new Set((values['age-recipient'] as string[] | undefined) ?? [])];
  for (const key of keys)
    if (!isAgeRecipient(key))
      throw new McpError('USAGE', `'${key}' is not an age recipient (age1...)`, {
        hint: 'age-keygen -y KEYFILE prints the recipient of an identity',
      });
  const path = configPath(ctx, values.config as string | undefined);
  const planned = keys.length ? await plannedRecipients(ctx, path, values.repo, name, keys) : undefined;
  await editCliConfig(path, (text) => addNode(path, text, { name, address }));
  ctx.out(`added node ${name} (${address}) to ${path}`);
  if (!planned) return EXIT.ok;
  await mkdir(dirname(planned.file), { recursive: true });
  await writeFile(planned.file, planned.text);
  ctx.out(
    `${planned.replaced ? 'replaced' : 'wrote'} the age recipients of ${name} in ${planned.file} ` +
      '(not committed: the next mcp secret set, edit or rotate-recipients commits it, or git commit it yourself)',
  );
  const stale = (await secretInventory(planned.dir, planned.recipients)).filter(
    (e) => e.node === name && !isCurrent(e),
  );
  if (stale.length)
    ctx.out(
      `${stale.length} secret${stale.length === 1 ? ' is' : 's are'} not encrypted to ${name}'s recipients yet ` +
        `(${stale.map((e) => `${e.service}/${e.name}`).join(', ')}): next, mcp secret rotate-recipients`,
    );
  return EXIT.ok;
}

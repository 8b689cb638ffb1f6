/**
 * What the `mcp secret` commands read from the services clone, without any key: the node a
 * service runs on, `.mcp/recipients.toml`, and every secret with the record of who it was
 * encrypted to, compared with who recipients.toml now asks for.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readServiceFiles } from '../adapters/dir/read-dir.js';
import { McpError } from '../domain/errors.js';
import {
  parseRecord,
  RECIPIENTS_FILE,
  type Recipients,
  recipientsFor,
  recordPath,
  secretPath,
} from '../domain/secrets.js';
import { formatSpecError } from '../domain/spec-error.js';
import { locator } from '../validate/locate.js';
import { parseToml } from '../validate/parse.js';
import { validateServiceFile } from '../validate/schema.js';
import { parseRecipients } from '../validate/secrets.js';

/** A secret's name as a service file names it (schema: secretUse.name). */
export const SECRET_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/**
 * The node of SERVICE in the clone at `dir`: its file need only be valid on its own, since a
 * clone whose service names a secret not set yet is invalid as a whole until it is.
 */
export const nodeOfService = async (dir: string, service: string): Promise<string[]> => {
  const nodes = await serviceNodes(dir);
  const node = nodes.get(service);
  if (node) return node;
  throw new McpError('NOT_FOUND', `no service named ${service} in the clone ${dir}`, {
    hint: `a valid services/${service}.toml must exist first (mcp validate ${dir})`,
  });
};

/** Service name -> its nodes, for every service file of the clone that is valid on its own. */
export const serviceNodes = async (dir: string): Promise<Map<string, string[]>> => {
  const { files } = await readServiceFiles(dir);
  const nodes = new Map<string, string[]>();
  for (const { path, text } of files) {
    const parsed = parseToml(path, text);
    if (!parsed.ok) continue;
    const valid = validateServiceFile(path, parsed.value, locator(text));
    if (valid.ok) nodes.set(valid.value.name, [valid.value.node].flat());
  }
  return nodes;
};

/** `.mcp/recipients.toml` of the clone; empty when it has none; INVALID_SPEC when it does not parse. */
export const readRecipients = async (dir: string): Promise<Recipients> => {
  const text = await readFile(join(dir, RECIPIENTS_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return { nodes: {}, operators: {} };
  const parsed = parseRecipients(text);
  if (parsed.ok) return parsed.value;
  throw new McpError(
    'INVALID_SPEC',
    `${RECIPIENTS_FILE} is invalid: ${parsed.errors.map(formatSpecError).join('; ')}`,
  );
};

/**
 * Who a secret of a service on `node` must be encrypted to; INVALID_SPEC when the node has no
 * recipients (nobody could deliver the secret, and validation would refuse the clone).
 */
export const wantedRecipients = (recipients: Recipients, nodes: readonly string[]): string[] => {
  for (const node of nodes)
    if ((recipients.nodes[node] ?? []).length === 0)
      throw new McpError(
        'INVALID_SPEC',
        `node ${node} has no recipients in ${RECIPIENTS_FILE}: nothing written`,
        {
          hint: `mcp node add ${node} ADDRESS --age-recipient age1... (age-keygen -y on the node prints it)`,
        },
      );
  return [...new Set(nodes.flatMap((node) => recipientsFor(recipients, node)))].sort();
};

/** One secret of the clone, and how its record compares with what recipients.toml asks. */
export interface SecretEntry {
  service: string;
  name: string;
  /** The recipients its record lists; undefined when it has no record. */
  record?: string[];
  /** The node (or nodes, comma-separated) of its service; undefined when the clone has no valid file of it. */
  node?: string;
  /** Who recipients.toml asks for (the node's and every operator's); undefined without a node. */
  wanted?: string[];
  missing: string[];
  extra: string[];
}

/** True when the secret is encrypted to exactly the recipients recipients.toml asks for. */
export const isCurrent = (e: SecretEntry): boolean =>
  e.record !== undefined && e.wanted !== undefined && e.missing.length === 0 && e.extra.length === 0;

/** Every `secrets/<service>/<name>.age` of the clone (of `only`, when given), sorted. */
export const secretInventory = async (
  dir: string,
  recipients: Recipients,
  only?: string,
): Promise<SecretEntry[]> => {
  const nodes = await serviceNodes(dir);
  const services = (await readdir(join(dir, 'secrets'), { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && (only === undefined || e.name === only))
    .map((e) => e.name)
    .sort();
  const entries: SecretEntry[] = [];
  for (const service of services) {
    const names = (await readdir(join(dir, 'secrets', service), { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.age'))
      .map((e) => e.name.slice(0, -'.age'.length))
      .sort();
    const list = nodes.get(service);
    const node = list?.join(', ');
    const wanted = list?.every((n) => (recipients.nodes[n] ?? []).length > 0)
      ? [...new Set(list.flatMap((n) => recipientsFor(recipients, n)))].sort()
      : undefined;
    for (const name of names) {
      const text = await readFile(join(dir, recordPath(service, name)), 'utf8').catch(() => undefined);
      const record = text === undefined ? undefined : parseRecord(text);
      entries.push({
        service,
        name,
        ...(record && { record }),
        ...(node && { node }),
        ...(wanted && { wanted }),
        missing: (wanted ?? []).filter((r) => !record?.includes(r)),
        extra: wanted ? (record ?? []).filter((r) => !wanted.includes(r)) : [],
      });
    }
  }
  return entries;
};

/** The clone-relative files of one secret: its ciphertext and its record. */
export const secretFiles = (service: string, name: string): [string, string] => [
  secretPath(service, name),
  recordPath(service, name),
];

/**
 * The names recipients.toml gives `recipient` ("node rift", "operator alice"), else the key
 * itself (with `short`, its first and last characters: enough to tell keys apart in a line).
 */
export const recipientName = (recipients: Recipients, recipient: string, short = false): string => {
  const names = [
    ...Object.entries(recipients.nodes)
      .filter(([, keys]) => keys.includes(recipient))
      .map(([n]) => `node ${n}`),
    ...Object.entries(recipients.operators)
      .filter(([, keys]) => keys.includes(recipient))
      .map(([n]) => `operator ${n}`),
  ];
  if (names.length) return names.join(' / ');
  return short ? `${recipient.slice(0, 10)}…${recipient.slice(-6)}` : recipient;
};

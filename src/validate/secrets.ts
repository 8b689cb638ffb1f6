/**
 * The secrets of a revision, checked without any private key: each secret a component names
 * is in the revision as an age file, and its record says it was encrypted to every recipient
 * `.mcp/recipients.toml` lists for the service's node. Whether the node can really decrypt it
 * is known only on the node (an age file does not name its recipients); the node's refusal
 * then holds that one service at its running version.
 */
import {
  isAgeRecipient,
  looksLikeAge,
  parseRecord,
  RECIPIENTS_FILE,
  type Recipients,
  type RepoSecrets,
  recipientsFor,
  recordPath,
  secretPath,
} from '../domain/secrets.js';
import { locator } from './locate.js';
import { parseToml } from './parse.js';
import { problem } from './problem.js';
import type { KeyPath, LoadedFile, SpecError } from './types.js';

type Parsed = { ok: true; value: Recipients } | { ok: false; errors: SpecError[] };

/** `.mcp/recipients.toml` read, or its located errors. */
export function parseRecipients(text: string): Parsed {
  const file = RECIPIENTS_FILE;
  const parsed = parseToml(file, text);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const at = locator(text);
  const errors: SpecError[] = [];
  const here = (path: KeyPath, message: string, hint?: string) =>
    errors.push(problem({ file, at }, path, message, hint));
  const doc = parsed.value as Record<string, unknown>;
  const value: Recipients = { nodes: {}, operators: {} };
  for (const [key, table] of Object.entries(doc)) {
    if (key !== 'nodes' && key !== 'operators') {
      here([key], `unknown table '${key}'`, 'the tables are [nodes] and [operators]: name = ["age1..."]');
      continue;
    }
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      here([key], `'${key}' must be a table of name = ["age1..."]`);
      continue;
    }
    for (const [name, list] of Object.entries(table)) {
      if (!Array.isArray(list) || list.some((r) => typeof r !== 'string')) {
        here([key, name], `'${key}.${name}' must be a list of age recipients`, 'e.g. ["age1..."]');
        continue;
      }
      list.forEach((r: string, k) => {
        if (!isAgeRecipient(r))
          here(
            [key, name, k],
            `'${r}' is not an age recipient`,
            'age-keygen -y KEYFILE prints one (age1...)',
          );
      });
      value[key][name] = list as string[];
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

const fileError = (file: string, message: string, hint?: string): SpecError => ({
  file,
  path: '',
  message,
  ...(hint !== undefined && { hint }),
});

/** Every problem of the secrets the valid files name, against what the revision holds. */
export function checkSecrets(files: readonly LoadedFile[], secrets: RepoSecrets): SpecError[] {
  const users = files.filter((f) => f.service.components.some((c) => (c.secrets ?? []).length > 0));
  if (users.length === 0) return [];
  let recipients: Recipients | undefined;
  const errors: SpecError[] = [];
  if (secrets.recipients === undefined)
    errors.push(
      fileError(
        RECIPIENTS_FILE,
        `services name secrets (${users.map((f) => f.service.name).join(', ')}) but the revision has no ${RECIPIENTS_FILE}`,
        'mcp node add NAME ADDRESS --age-recipient age1... writes it',
      ),
    );
  else {
    const parsed = parseRecipients(secrets.recipients);
    if (parsed.ok) recipients = parsed.value;
    else errors.push(...parsed.errors);
  }
  for (const f of users) {
    const service = f.service.name;
    const wanted = recipients && recipientsFor(recipients, f.service.node);
    if (recipients && (recipients.nodes[f.service.node] ?? []).length === 0)
      errors.push(
        problem(
          f,
          ['node'],
          `node '${f.service.node}' has no recipients in ${RECIPIENTS_FILE}, so it cannot read the secrets of '${service}'`,
          `mcp node add ${f.service.node} ADDRESS --age-recipient age1...`,
        ),
      );
    const checked = new Set<string>();
    f.service.components.forEach((c, i) => {
      (c.secrets ?? []).forEach((s, j) => {
        const at = ['components', i, 'secrets', j];
        if ((s.env === undefined) === (s.file === undefined))
          errors.push(problem(f, at, `secret '${s.name}' needs exactly one of env and file`));
        if (s.mode !== undefined && s.file === undefined)
          errors.push(problem(f, [...at, 'mode'], "'mode' applies only to a file secret"));
        if (checked.has(s.name)) return;
        checked.add(s.name);
        const path = secretPath(service, s.name);
        const bytes = secrets.files.get(path);
        if (!bytes) {
          errors.push(
            problem(
              f,
              [...at, 'name'],
              `secret '${s.name}' is not in the revision (no ${path})`,
              `mcp secret set ${service} ${s.name} < FILE`,
            ),
          );
          return;
        }
        if (!looksLikeAge(bytes))
          errors.push(fileError(path, 'is not an age-encrypted file', `mcp secret set ${service} ${s.name}`));
        const record = secrets.files.get(recordPath(service, s.name));
        if (!record) {
          errors.push(
            fileError(
              path,
              `has no record of its recipients (${recordPath(service, s.name)}), so nobody can tell who can read it`,
              `mcp secret set ${service} ${s.name} writes both`,
            ),
          );
          return;
        }
        const listed = new Set(parseRecord(Buffer.from(record).toString('utf8')));
        const missing = (wanted ?? []).filter((r) => !listed.has(r));
        if (missing.length)
          errors.push(
            fileError(
              path,
              `is not encrypted to ${missing.join(', ')} (${RECIPIENTS_FILE} lists them for node '${f.service.node}' or its operators)`,
              `mcp secret rotate-recipients ${service}`,
            ),
          );
      });
    });
  }
  return errors;
}

/** The ciphertexts of the secrets a service's components name, base64 by name; undefined when none. */
export function sealedSecrets(
  service: string,
  names: readonly string[],
  secrets: RepoSecrets,
): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const name of [...new Set(names)].sort()) {
    const bytes = secrets.files.get(secretPath(service, name));
    if (bytes) out[name] = Buffer.from(bytes).toString('base64');
  }
  return out;
}

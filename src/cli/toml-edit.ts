/**
 * Edits of the operator's TOML files (service files, mcp.toml) that keep every comment, blank
 * line and layout the operator wrote: the change is made on the parsed value and written back
 * by a comment-preserving TOML patcher, never by rewriting lines with regular expressions.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse, patch, stringify } from '@decimalturn/toml-patch';
import { McpError } from '../domain/errors.js';
import type { Node } from './config.js';

type Table = Record<string, unknown>;

/** Applies `change` to the document's value and returns the text with only that change made. */
export const editToml = (file: string, text: string, change: (doc: Table) => void): string => {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    throw new McpError('INVALID_SPEC', `${file}: cannot edit: ${(err as Error).message.split('\n')[0]}`, {
      file,
    });
  }
  const had = new Set(Object.keys(doc));
  change(doc);
  // The patcher cannot add a first array of tables to a document; such keys are appended whole.
  const appended = Object.keys(doc).filter((k) => !had.has(k) && isArrayOfTables(doc[k]));
  const tail: Table = {};
  for (const key of appended) {
    tail[key] = doc[key];
    delete doc[key];
  }
  const patched = patch(text, doc);
  if (appended.length === 0) return patched;
  const sep = patched === '' || patched.endsWith('\n\n') ? '' : patched.endsWith('\n') ? '\n' : '\n\n';
  return `${patched}${sep}${stringify(tail)}`;
};

const isArrayOfTables = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));

/** Sets a service file's top-level `active`, leaving everything else as written. */
export const setActive = (text: string, active: boolean, file = 'service file'): string =>
  editToml(file, text, (doc) => {
    doc.active = active;
  });

/** Adds `[[nodes]] name, address` to mcp.toml's text; a node of that name already there is an error. */
export const addNode = (file: string, text: string, node: Node): string =>
  editToml(file, text, (doc) => {
    const nodes = (doc.nodes as Node[] | undefined) ?? [];
    if (nodes.some((n) => n.name === node.name))
      throw new McpError('CONFLICT', `${file} already has a node named ${node.name}`, {
        hint: `mcp node remove ${node.name} first to change its address`,
      });
    doc.nodes = [...nodes, { name: node.name, address: node.address }];
  });

/** Removes the `[[nodes]]` entry named `name` from mcp.toml's text; NOT_FOUND when there is none. */
export const removeNode = (file: string, text: string, name: string): string =>
  editToml(file, text, (doc) => {
    const nodes = (doc.nodes as Node[] | undefined) ?? [];
    if (!nodes.some((n) => n.name === name))
      throw new McpError('NOT_FOUND', `${file} has no node named ${name}`, {
        ...(nodes.length > 0 && { hint: `nodes: ${nodes.map((n) => n.name).join(', ')}` }),
      });
    doc.nodes = nodes.filter((n) => n.name !== name);
  });

/**
 * Writes `edits` (path -> new text), then runs `check`; when `check` throws, every file is put
 * back byte for byte as it was read, and the error is rethrown.
 */
export const editFilesChecked = async <T>(
  edits: ReadonlyMap<string, (text: string) => string>,
  check: () => Promise<T>,
): Promise<T> => {
  const originals = new Map<string, Buffer>();
  for (const path of edits.keys()) originals.set(path, await readFile(path));
  try {
    for (const [path, edit] of edits) await writeFile(path, edit(originals.get(path)!.toString('utf8')));
    return await check();
  } catch (err) {
    for (const [path, bytes] of originals) await writeFile(path, bytes);
    throw err;
  }
};

const RECIPIENTS_HEADER = `# Who can read the secrets of which node's services: age recipients (age1...), by name.
# [nodes]: each node's own (mcp node add NAME ADDRESS --age-recipient age1...).
# [operators]: whoever runs mcp secret edit / rotate-recipients (age-keygen -y ~/.config/mcp/age.key);
# every secret is encrypted to them too. After a change: mcp secret rotate-recipients.
`;

/**
 * Sets `[nodes] name = recipients` in `.mcp/recipients.toml`'s text (added, or replacing the
 * node's earlier keys); returns the text and whether the node had recipients before.
 */
export const setNodeRecipients = (
  file: string,
  text: string,
  name: string,
  recipients: readonly string[],
): { text: string; replaced: boolean } => {
  if (text.trim() === '')
    return {
      text: `${RECIPIENTS_HEADER}[nodes]\n${name} = ${JSON.stringify(recipients).replace(/","/g, '", "')}\n\n[operators]\n`,
      replaced: false,
    };
  let replaced = false;
  const edited = editToml(file, text, (doc) => {
    const nodes = (doc.nodes as Record<string, string[]> | undefined) ?? {};
    replaced = Object.hasOwn(nodes, name);
    doc.nodes = { ...nodes, [name]: [...recipients] };
  });
  return { text: edited.endsWith('\n') ? edited : `${edited}\n`, replaced };
};

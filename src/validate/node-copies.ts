/**
 * One parsed service file -> one copy per node it names (`node = "a"` or `node = ["a", "b"]`),
 * each with that node's variables replaced, ready for the schema. What cannot be resolved
 * is an error (malformed, or undefined on the loading agent's own node) or, where only the
 * node's agent could know the value, an unchecked file.
 */

import { nodeVars, type RepoVars, type VarsView } from './node-vars.js';
import { formatPath } from './paths.js';
import type { LoadedFile, SpecError, UncheckedFile } from './types.js';
import { substitute, undefinedVar } from './vars.js';

/** One node's copy of a file: the value for the schema, and the variables its components used. */
export interface NodeCopy {
  value: unknown;
  used?: LoadedFile['vars'];
  /** Fields whose references failed (malformed, undefined): other errors there would only repeat them. */
  broken: string[];
}

/** The copies of one file, with the problems of its references. */
export interface Copies {
  copies: NodeCopy[];
  errors: SpecError[];
  unchecked: UncheckedFile[];
}

const isNodeName = (n: unknown): n is string =>
  typeof n === 'string' && /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(n);

/** The nodes a parsed file names; undefined for anything else. */
const nodesOf = (value: unknown): { nodes: string[]; list: boolean } | undefined => {
  const node = (value as { node?: unknown } | null)?.node;
  if (isNodeName(node)) return { nodes: [node], list: false };
  if (!Array.isArray(node) || node.length === 0 || !node.every(isNodeName)) return undefined;
  return { nodes: [...new Set(node as string[])], list: true };
};

/**
 * The one error of a `node` that names no node: which node's variables apply is unknown, so
 * the rest of the file is not checked (its references would read as errors of their own).
 */
const badNode = (file: string, node: unknown, at: LoadedFile['at']): SpecError => {
  const shown = JSON.stringify(node);
  return {
    file,
    ...at(['node']),
    path: 'node',
    message: `${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}: node must be a node name (a lower-case DNS label) or a list of them`,
    ...(shown.includes('${') && { hint: 'variables are not substituted in name and node' }),
  };
};

/**
 * The copies of `value` (parsed from `file`), resolved with `repo` and, for its own node,
 * `view`. `plain`: the text holds no `${` at all, so a file for one node is the value itself.
 */
export function nodeCopies(
  file: string,
  value: unknown,
  at: LoadedFile['at'],
  repo: RepoVars,
  view: VarsView | undefined,
  plain = false,
): Copies {
  const out: Copies = { copies: [], errors: [], unchecked: [] };
  const targets = nodesOf(value);
  if (plain && targets && !targets.list) return { ...out, copies: [{ value, broken: [] }] };
  const node = (value as { node?: unknown } | null)?.node;
  if (!targets) {
    // Without `node` at all the schema says so; the file is checked as written.
    if (node === undefined) out.copies.push({ value, broken: [] });
    else out.errors.push(badNode(file, node, at));
    return out;
  }
  for (const n of targets.nodes) {
    const sub = substitute(value, { node: n, values: nodeVars(n, repo, view) });
    for (const e of sub.errors)
      out.errors.push({
        file,
        ...at(e.path),
        path: formatPath(e.path),
        message: e.message,
        ...(e.hint !== undefined && { hint: e.hint }),
      });
    if (sub.unknown.length > 0 && view?.node === n)
      out.errors.push(...sub.unknown.map((u) => undefinedVar(file, at(u.path), u, n)));
    else if (sub.unknown.length > 0) {
      const name = (value as { name?: unknown }).name;
      out.unchecked.push({
        file,
        node: n,
        service:
          typeof name === 'string' ? name : file.slice(file.lastIndexOf('/') + 1).replace(/\.toml$/, ''),
        vars: sub.unknown.map((u) => ({ name: `var.${u.name}`, ...at(u.path), path: formatPath(u.path) })),
      });
      continue;
    }
    // Checked all the same, so every error of the file is reported at once; not at the broken fields.
    out.copies.push({
      value: targets.list ? { ...(sub.value as object), node: n } : sub.value,
      used: sub.used,
      broken: [...sub.errors, ...sub.unknown].map((e) => formatPath(e.path)),
    });
  }
  return out;
}

/**
 * Per-node variables in service files: `${node.name}`, `${var.NAME}` and `${var.NAME:-default}`
 * in string values, replaced before the schema sees the file, so every check runs on the final
 * values. `$${` is a literal `${`; any other `${...}` is an error, so a typo never passes as text.
 * A default runs to the first `}` and holds no reference of its own.
 * Pure: which values a node has is decided by the caller (nodeVars).
 */
import { formatPath } from './paths.js';
import type { KeyPath, SpecError } from './types.js';

/** What one node's files are resolved with. */
export interface VarContext {
  node: string;
  values: ReadonlyMap<string, string>;
}

/** A reference whose value is not known here (only the node's agent may know it). */
export interface UnknownVar {
  path: KeyPath;
  name: string;
}

/** Per component index, per field of the file (`image`, `ports`): reference -> value it took. */
export type VarsUsed = Map<number, Map<string, Map<string, string>>>;

/** The outcome of substituting one parsed file for one node. */
export interface Substituted {
  value: unknown;
  /** Malformed references, located by the caller. */
  errors: { path: KeyPath; message: string; hint?: string }[];
  unknown: UnknownVar[];
  used: VarsUsed;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPE_HINT = 'write $${ for a literal ${';

type Piece = { text: string } | { error: string } | { ref: string; name?: string; fallback?: string };

/** Splits `s` into literal text and references; `undefined` when it holds no `$`-brace at all. */
export function references(s: string): Piece[] | undefined {
  if (!s.includes('${')) return undefined;
  const pieces: Piece[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (!s.startsWith('${', i)) {
      text += s[i++];
      continue;
    }
    const end = s.indexOf('}', i + 2);
    if (end < 0) return [{ error: `unclosed variable reference '${s.slice(i)}'` }];
    const body = s.slice(i + 2, end);
    if (text) pieces.push({ text });
    text = '';
    i = end + 1;
    if (body === 'node.name') {
      pieces.push({ ref: 'node.name' });
      continue;
    }
    const m = /^var\.([^:]*)(?::-(.*))?$/s.exec(body);
    if (!m || !NAME.test(m[1])) {
      pieces.push({ error: `unknown variable reference '\${${body}}': use \${node.name} or \${var.NAME}` });
      continue;
    }
    if (m[2]?.includes('${')) {
      pieces.push({ error: `a default cannot hold a reference: '\${${body}}'` });
      continue;
    }
    pieces.push({ ref: `var.${m[1]}`, name: m[1], ...(m[2] !== undefined && { fallback: m[2] }) });
  }
  if (text) pieces.push({ text });
  return pieces;
}

/** The file field a component's path belongs to (`components.3.image` -> 3, `image`). */
const componentField = (path: KeyPath): [number, string] | undefined =>
  path[0] === 'components' && typeof path[1] === 'number' && typeof path[2] === 'string'
    ? [path[1], path[2]]
    : undefined;

/**
 * `value` (a parsed service file, possibly frozen and shared) with every reference in its
 * string values replaced for `ctx`; untouched parts are the same objects. Keys, numbers,
 * booleans and dates are never changed, nor the top-level `name` and `node` (they decide which
 * file and which node's variables this is).
 */
export function substitute(value: unknown, ctx: VarContext): Substituted {
  const out: Substituted = { value, errors: [], unknown: [], used: new Map() };
  const note = (path: KeyPath, ref: string, v: string): void => {
    const at = componentField(path);
    if (!at) return;
    const fields = out.used.get(at[0]) ?? new Map<string, Map<string, string>>();
    const refs = fields.get(at[1]) ?? new Map<string, string>();
    refs.set(ref, v);
    fields.set(at[1], refs);
    out.used.set(at[0], fields);
  };
  const str = (s: string, path: KeyPath): string => {
    const pieces = references(s);
    if (!pieces) return s;
    let result = '';
    for (const p of pieces) {
      if ('text' in p) result += p.text;
      else if ('error' in p) out.errors.push({ path, message: p.error, hint: ESCAPE_HINT });
      else if (p.ref === 'node.name') {
        note(path, p.ref, ctx.node);
        result += ctx.node;
      } else {
        const v = ctx.values.get(p.name!) ?? p.fallback;
        if (v === undefined) out.unknown.push({ path, name: p.name! });
        else {
          note(path, p.ref, v);
          result += v;
        }
      }
    }
    return result;
  };
  const walk = (v: unknown, path: KeyPath): unknown => {
    if (typeof v === 'string') return str(v, path);
    if (Array.isArray(v)) {
      const items = v.map((x, k) => walk(x, [...path, k]));
      return items.some((x, k) => x !== v[k]) ? items : v;
    }
    if (v === null || typeof v !== 'object' || v instanceof Date) return v;
    let changed = false;
    const entries = Object.entries(v).map(([k, x]) => {
      const y = path.length === 0 && (k === 'name' || k === 'node') ? x : walk(x, [...path, k]);
      changed ||= y !== x;
      return [k, y] as const;
    });
    return changed ? Object.setPrototypeOf(Object.fromEntries(entries), Object.getPrototypeOf(v)) : v;
  };
  out.value = walk(value, []);
  return out;
}

/** The located error of an undefined variable, as the node's agent reports it. */
export const undefinedVar = (
  file: string,
  at: { line: number; column: number },
  u: UnknownVar,
  node: string,
): SpecError => ({
  file,
  ...at,
  path: formatPath(u.path),
  message: `undefined variable var.${u.name} (node ${node})`,
  hint: `set it in nodes/${node}.toml or the agent's [vars], or give a default: \${var.${u.name}:-VALUE}`,
});

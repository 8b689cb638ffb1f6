/**
 * ajv's errors in words an operator can act on: which key, what was found, what is expected.
 * ajv is run with `verbose`, so each error carries the offending data and its parent schema.
 */
import type { ErrorObject } from 'ajv';
import { formatPath, fromPointer } from './paths.js';
import { closest } from './suggest.js';
import type { KeyPath } from './types.js';

/** A translated schema error: where (as a key path) and what. */
export interface SchemaProblem {
  path: KeyPath;
  message: string;
  hint?: string;
  /** For an unknown key: the known key it is probably a typo of. */
  suggestion?: string;
  /** For a missing required key: its name. */
  missing?: string;
}

/** The expected form of each patterned field, keyed by the end of its schema path. */
const forms: Record<string, string> = {
  'dnsLabel/pattern': 'must be a DNS label: lower-case letters, digits and inner hyphens, at most 63',
  'portSpec/pattern': 'port spec must be [ip:]host:container[/tcp|udp]',
  'volumeSpec/pattern': 'volume spec must be /host/path:/container/path[:ro|rw]',
  'envEntry/pattern': 'env entry must be KEY=VALUE',
  'imageRef/pattern': 'image must be a registry reference (host/name:tag) or an absolute path',
  'user/pattern': 'user must be name, uid or uid:gid',
  'hostname/pattern': 'hostname must be a lower-case DNS name',
  'propertyNames/pattern': 'a variable name is letters, digits and underscores, not starting with a digit',
};

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

const typeOf = (v: unknown): string =>
  Array.isArray(v) ? 'an array' : v instanceof Date ? 'a date' : v === null ? 'null' : article(typeof v);

const article = (t: string): string =>
  t === 'array' || t === 'integer' || t === 'object' ? `an ${t}` : `a ${t}`;

const lastKey = (path: KeyPath): string => {
  const k = [...path].reverse().find((s) => typeof s === 'string');
  return typeof k === 'string' ? k : 'value';
};

/** Translates one ajv error; `path` names the offending key or element itself. */
export function describe(e: ErrorObject): SchemaProblem {
  const path = fromPointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const guess = closest(key, known);
      const where = path.length === 0 ? 'the top level' : formatPath(path);
      return {
        path: [...path, key],
        message: `unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
        ...(guess ? { suggestion: guess } : { hint: `keys of ${where}: ${known.join(', ')}` }),
      };
    }
    case 'required':
      return {
        path,
        message: `missing required key '${p.missingProperty}'`,
        missing: String(p.missingProperty),
      };
    case 'type':
      return { path, message: `${lastKey(path)} must be ${article(String(p.type))}, not ${typeOf(e.data)}` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(show);
      const guess = typeof e.data === 'string' ? closest(e.data, p.allowedValues as string[]) : undefined;
      return {
        path,
        message: `${lastKey(path)} ${show(e.data)} is not one of ${allowed.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`,
      };
    }
    case 'pattern': {
      const form = Object.entries(forms).find(([suffix]) => e.schemaPath.endsWith(suffix))?.[1];
      return { path, message: `${show(e.data)}: ${form ?? `must match ${p.pattern}`}` };
    }
    case 'minimum':
    case 'maximum':
      return { path, message: `${lastKey(path)} must be ${p.comparison} ${p.limit}, not ${show(e.data)}` };
    case 'minItems':
      return lastKey(path) === 'components'
        ? { path, message: 'a service needs at least one [[components]] table' }
        : { path, message: `${lastKey(path)} needs at least ${p.limit} entries` };
    case 'minLength':
      return { path, message: `${lastKey(path)} must not be empty` };
    case 'uniqueItems':
      return {
        path: [...path, Number(p.i)],
        message: `duplicate entry ${show((e.data as unknown[])[Number(p.i)])} (also ${formatPath([...path, Number(p.j)])})`,
      };
    default:
      return { path, message: e.message ?? `invalid (${e.keyword})` };
  }
}

/** Keywords that only sum up or choose: not a fault of the value itself. */
const SUMMARY = new Set(['type', 'anyOf', 'propertyNames']);

/**
 * Every error of one validation in words, without the echoes of a choice: the `anyOf` and
 * `propertyNames` summaries go (their branches say more), and the type errors of one value
 * against the branches of an `anyOf` become one (`tag must be a string or an object, not a number`).
 */
export function describeAll(errors: readonly ErrorObject[]): SchemaProblem[] {
  const types = new Map<string, ErrorObject[]>();
  for (const e of errors)
    if (e.keyword === 'type') types.set(e.instancePath, [...(types.get(e.instancePath) ?? []), e]);
  // In an anyOf, a value of the right type for one branch but wrong inside it: the other
  // branches' type errors are echoes.
  const choice = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const deeper = (p: string): boolean =>
    choice.has(p) &&
    errors.some(
      (x) => x.instancePath.startsWith(`${p}/`) || (x.instancePath === p && !SUMMARY.has(x.keyword)),
    );
  const problems: SchemaProblem[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'propertyNames') continue;
    if (e.keyword === 'type' && deeper(e.instancePath)) continue;
    const same = e.keyword === 'type' ? (types.get(e.instancePath) ?? []) : [];
    if (same.length > 1) {
      if (same[0] !== e) continue;
      const path = fromPointer(e.instancePath);
      const wanted = same.map((x) => article(String((x.params as { type: string }).type)));
      problems.push({
        path,
        message: `${lastKey(path)} must be ${wanted.join(' or ')}, not ${typeOf(e.data)}`,
      });
    } else problems.push(describe(e));
  }
  return problems;
}

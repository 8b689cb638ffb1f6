/**
 * Field changes in the words a reviewer reads: `image: x:v1.0.0 -> x:v1.1.0`, and for list
 * fields only what was added and removed (`env: +LOG_LEVEL=debug, -LOG_LEVEL=info`).
 */
import type { FieldChange } from '../domain/plan-types.js';
import type { PortBinding, Route, VolumeMount } from '../domain/spec.js';
import { portText, volumeText } from './common.js';

/** Fields whose lists are sets in canonical order: shown as additions and removals. */
const SET_FIELDS = new Set(['env', 'ports', 'volumes', 'dependsOn', 'routes']);

const item = (field: string, v: unknown): string => {
  if (field === 'ports') return portText(v as PortBinding);
  if (field === 'volumes') return volumeText(v as VolumeMount);
  if (field === 'routes') {
    const r = v as Route;
    return `${r.name}=${r.port}/${r.mode}${r.hostname ? `@${r.hostname}` : ''}`;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
};

/** One value in one line: lists space-separated in brackets, absent as `(none)`. */
export function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (Array.isArray(v)) return `[${v.map((x) => item(field, x)).join(' ')}]`;
  return item(field, v);
}

/** The parts of a change: a before/after pair, or for set fields the added and removed items. */
export type ChangeParts =
  | { field: string; kind: 'value'; from: string; to: string }
  | { field: string; kind: 'set'; added: string[]; removed: string[] };

/** Splits a change into what the text and markdown forms print. */
export function changeParts(c: FieldChange): ChangeParts {
  const from = c.from ?? [];
  const to = c.to ?? [];
  if (SET_FIELDS.has(c.field) && Array.isArray(from) && Array.isArray(to)) {
    const before = from.map((x) => item(c.field, x));
    const after = to.map((x) => item(c.field, x));
    return {
      field: c.field,
      kind: 'set',
      added: after.filter((x) => !before.includes(x)),
      removed: before.filter((x) => !after.includes(x)),
    };
  }
  return { field: c.field, kind: 'value', from: valueText(c.field, c.from), to: valueText(c.field, c.to) };
}

/** The variables that caused a change, as a suffix: ` (var.tag: v1 -> v2)`, or ''. */
export const becauseText = (c: FieldChange): string =>
  c.because?.length ? ` (${c.because.join('; ')})` : '';

/** The plain one-line form: `image: a -> b` or `env: +A=1, -A=2`, with the variables that caused it. */
export function changeText(c: FieldChange): string {
  const p = changeParts(c);
  if (p.kind === 'value')
    return p.from === p.to
      ? `${p.field} changed${becauseText(c)}`
      : `${p.field}: ${p.from} -> ${p.to}${becauseText(c)}`;
  return `${p.field}: ${[...p.added.map((x) => `+${x}`), ...p.removed.map((x) => `-${x}`)].join(', ')}${becauseText(c)}`;
}

/**
 * Field-level differences between two component specs, so a recreate can say what changed
 * ("image v1.0.0 -> v1.1.0") in plans, events and pull-request comments.
 */
import { canonicalJson } from './hash.js';
import type { FieldChange } from './plan-types.js';
import type { SecretUse } from './secrets.js';
import type { ComponentSpec } from './spec.js';

const same = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && typeof b === 'object' && canonicalJson(a) === canonicalJson(b));

/** The variables of `field` that took another value (or were added or dropped): `var.tag: v1 -> v2`. */
const becauseOf = (from: ComponentSpec, to: ComponentSpec, field: string): string[] => {
  const a = from.vars?.[field] ?? {};
  const b = to.vars?.[field] ?? {};
  const refs = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return refs.filter((r) => a[r] !== b[r]).map((r) => `${r}: ${a[r] ?? '(unused)'} -> ${b[r] ?? '(unused)'}`);
};

/**
 * The top-level fields whose values differ, in alphabetical order of field name. A field
 * absent on one side is reported as `null` there, so changes survive a JSON round trip.
 * The variables a spec was resolved with are no field of their own: a change names those
 * of its field that changed (`because`).
 */
export function diffSpecs(from: ComponentSpec, to: ComponentSpec): FieldChange[] {
  const before = from as unknown as Record<string, unknown>;
  const after = to as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((f) => f !== 'vars')
    .sort();
  const changes: FieldChange[] = [];
  for (const field of fields) {
    if (field === 'secrets') {
      changes.push(...diffSecrets(from.secrets ?? [], to.secrets ?? []));
      continue;
    }
    const a = before[field] ?? null;
    const b = after[field] ?? null;
    if (same(a, b)) continue;
    const because = becauseOf(from, to, field);
    changes.push(because.length > 0 ? { field, from: a, to: b, because } : { field, from: a, to: b });
  }
  return changes;
}

/** How a secret reaches the component, never its value nor its digest: `env DB_PASSWORD`, `file /run/secrets/key 0400`. */
const useText = (uses: SecretUse[]): string | null =>
  uses.length === 0
    ? null
    : uses
        .map((u) =>
          u.env ? `env ${u.env}` : `file ${u.file} ${(u.mode ?? 0o400).toString(8).padStart(4, '0')}`,
        )
        .join(', ');

/**
 * One change per secret whose use or value differs, as `secret NAME`. A new value alone gives
 * the same text on both sides: the plan says "secret NAME changed" and shows nothing of it.
 */
function diffSecrets(from: SecretUse[], to: SecretUse[]): FieldChange[] {
  const names = [...new Set([...from, ...to].map((u) => u.name))].sort();
  const changes: FieldChange[] = [];
  for (const name of names) {
    const a = from.filter((u) => u.name === name);
    const b = to.filter((u) => u.name === name);
    if (canonicalJson(a) !== canonicalJson(b))
      changes.push({ field: `secret ${name}`, from: useText(a), to: useText(b) });
  }
  return changes;
}

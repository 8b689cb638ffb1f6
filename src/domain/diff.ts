/**
 * Field-level differences between two component specs, so a recreate can say what changed
 * ("image v1.0.0 -> v1.1.0") in plans, events and pull-request comments.
 */
import { canonicalJson } from './hash.js';
import type { FieldChange } from './plan-types.js';
import type { ComponentSpec } from './spec.js';

const same = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === 'object' && typeof b === 'object' && canonicalJson(a) === canonicalJson(b));

/**
 * The top-level fields whose values differ, in alphabetical order of field name. A field
 * absent on one side is reported as `null` there, so changes survive a JSON round trip.
 */
export function diffSpecs(from: ComponentSpec, to: ComponentSpec): FieldChange[] {
  const before = from as unknown as Record<string, unknown>;
  const after = to as unknown as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const a = before[field] ?? null;
    const b = after[field] ?? null;
    if (!same(a, b)) changes.push({ field, from: a, to: b });
  }
  return changes;
}

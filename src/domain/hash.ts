/** Spec hashes: sha256 over canonical JSON (keys sorted, undefined dropped), first 16 hex digits. */
import { createHash } from 'node:crypto';
import type { ComponentSpec } from './spec.js';

/** JSON with object keys sorted at every level, so equal values always serialise equally. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );

const memo = new WeakMap<ComponentSpec, string>();

/**
 * The `mcp.spec-hash` label of a component: equal hash means nothing to do. Specs are never
 * mutated after normalisation, so the hash is memoised per spec object: a steady-state pass
 * over an unchanged revision hashes nothing.
 */
export const specHash = (spec: ComponentSpec): string => {
  let hash = memo.get(spec);
  if (hash === undefined) {
    hash = createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
    memo.set(spec, hash);
  }
  return hash;
};

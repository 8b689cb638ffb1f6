/** Spec hashes: sha256 over canonical JSON (keys sorted, undefined dropped), first 16 hex digits. */
import { createHash } from 'node:crypto';
import type { ComponentSpec } from './spec.js';

/** JSON with object keys sorted at every level, so equal values always serialise equally. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );

/** The `mcp.spec-hash` label of a component: equal hash means nothing to do. */
export const specHash = (spec: ComponentSpec): string =>
  createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);

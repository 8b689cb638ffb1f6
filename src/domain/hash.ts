/** Spec hashes: sha256 over canonical JSON (keys sorted, undefined dropped), first 16 hex digits. */
import { createHash } from 'node:crypto';
import type { ComponentSpec } from './spec.js';

/**
 * JSON with object keys sorted at every level and undefined members dropped, so equal values
 * always serialise equally. Written out rather than via a JSON.stringify replacer, which
 * allocates a sorted copy of every object: hashing dominates planning a new revision.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    out += `${out ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `{${out}}`;
};

const memo = new WeakMap<ComponentSpec, string>();

/**
 * The `mcp.spec-hash` label of a component: equal hash means nothing to do. It covers what the
 * instance is made of: an `http` or `tcp` probe is the agent's own, run from the host, so it is
 * left out (changing it re-judges the running instance, it does not recreate it); a `cmd`
 * probe is podman's healthcheck, part of the container, and is in. The variables a spec was
 * resolved with are left out too: their values are in it already. Specs are never mutated
 * after normalisation, so the hash is memoised per spec object: a steady-state pass over an
 * unchanged revision hashes nothing.
 */
export const specHash = (spec: ComponentSpec): string => {
  let hash = memo.get(spec);
  if (hash === undefined) {
    const kind = spec.health?.probe.kind;
    const probe = kind === 'http' || kind === 'tcp';
    // The pull policy says when to fetch the image, not what the instance is made of.
    const made =
      probe || spec.vars || spec.pull
        ? { ...spec, vars: undefined, pull: undefined, ...(probe && { health: undefined }) }
        : spec;
    hash = createHash('sha256').update(canonicalJson(made)).digest('hex').slice(0, 16);
    memo.set(spec, hash);
  }
  return hash;
};

/**
 * The planner's decision for one desired component: given what runs under its name and what
 * the inventory remembers, the one action to take. Pure.
 */
import { adoptionChanges } from './adoption.js';
import { diffSpecs } from './diff.js';
import { type InventoryEntry, LABEL, type ObservedInstance, type RunningConfig } from './observed.js';
import type { Action, ActionKind, FieldChange } from './plan-types.js';
import type { ComponentSpec, ServiceSpec } from './spec.js';

/** Indexes of one pass, built once so every decision is a constant-time lookup. */
export interface PlanContext {
  node: string;
  observed: ReadonlyMap<string, ObservedInstance>;
  inventory: ReadonlyMap<string, InventoryEntry>;
  images: Readonly<Record<string, string>>;
  services: ReadonlyMap<string, ServiceSpec>;
  /** Instances the operator asked to adopt, with what runs in them. */
  adopt: ReadonlyMap<string, AdoptCandidate>;
}

/** An unmanaged container `mcp adopt` asked for, as it runs. */
export type AdoptCandidate = RunningConfig;

type Extra = Pick<Action, 'id' | 'drift' | 'changes' | 'hash' | 'spec'>;

const act = (kind: ActionKind, spec: ComponentSpec, name: string, reason: string, extra: Extra): Action => ({
  kind,
  name,
  service: spec.service,
  component: spec.name,
  reason,
  ...extra,
});

/** True when the inventory confirms MCP created an instance under `name` (a claim is not enough). */
const created = (ctx: PlanContext, name: string): boolean => {
  const entry = ctx.inventory.get(name);
  return entry !== undefined && !entry.claimed;
};

/** True when MCP's labels say it created the instance. */
export const isManaged = (inst: ObservedInstance): boolean => inst.labels[LABEL.managed] === 'true';

/** The inventory entry of a container MCP adopted as it ran (no labels; the inventory vouches for it). */
const adoptedEntry = (inst: ObservedInstance, ctx: PlanContext): InventoryEntry | undefined => {
  const entry = ctx.inventory.get(inst.name);
  return entry?.adoptedId !== undefined && entry.adoptedId === inst.id && !entry.claimed ? entry : undefined;
};

/** True when the instance is MCP's: labelled by it, or adopted by it. */
export const isOwned = (inst: ObservedInstance, ctx: PlanContext): boolean =>
  isManaged(inst) || adoptedEntry(inst, ctx) !== undefined;

/** The spec hash an owned instance runs: its label, or for an adopted one, the inventory's. */
const runningHash = (inst: ObservedInstance, ctx: PlanContext): string | undefined =>
  isManaged(inst) ? inst.labels[LABEL.specHash] : adoptedEntry(inst, ctx)?.specHash;

/** `mcp adopt`: keep what runs when it matches the spec, else replace it (an operator's request, not drift). */
function decideAdopt(
  spec: ComponentSpec,
  name: string,
  hash: string,
  running: RunningConfig,
  ctx: PlanContext,
) {
  const changes = adoptionChanges(spec, running, ctx.images[spec.image]);
  const id = running.id;
  if (changes.length === 0)
    return act('adopt', spec, name, 'adopted: runs as the spec asks, kept without a recreate', {
      id,
      hash,
      spec,
    });
  return act('recreate', spec, name, 'adopted: differs from the spec, replaced', { id, changes, hash, spec });
}

const NEWER = 'its tag names a newer image (pull = "newer")';

/** True when what changed is the image a `newer` tag names (the pull policy is no change of the instance). */
const onlyNewerImage = (changes: readonly FieldChange[]): boolean =>
  changes.some((c) => c.field === 'imageId') &&
  changes.every((c) => c.field === 'imageId' || c.field === 'pull');

const CONFLICT = 'name held by a container MCP does not manage; adopt it with `mcp adopt`';

/**
 * The other node an instance belongs to, by its `mcp.node` label; undefined for this node's
 * own and for instances made before the label existed (those are this agent's when its
 * inventory knows them or it needs their name).
 */
export const otherNode = (inst: ObservedInstance, node: string): string | undefined => {
  const owner = inst.labels[LABEL.node];
  return owner !== undefined && owner !== node ? owner : undefined;
};

const heldByNode = (node: string) => `name held by an instance of node ${node}; MCP leaves it alone`;
const LIVE = new Set(['running', 'paused']);

/** The action for a component of an active service. */
export function decideActive(spec: ComponentSpec, name: string, hash: string, ctx: PlanContext): Action {
  const inst = ctx.observed.get(name);
  if (!inst) {
    if (created(ctx, name))
      return act('create', spec, name, 'removed outside MCP', { drift: true, hash, spec });
    return act('create', spec, name, 'not running', { hash, spec });
  }
  const id = inst.id;
  const other = otherNode(inst, ctx.node);
  if (other) return act('conflict', spec, name, heldByNode(other), { id, hash, spec });
  if (!isOwned(inst, ctx)) {
    const running = ctx.adopt.get(name);
    if (running?.id === id) return decideAdopt(spec, name, hash, running, ctx);
    if (!created(ctx, name)) return act('conflict', spec, name, CONFLICT, { id, hash, spec });
    const changes = [{ field: 'labels', from: null, to: 'mcp' }];
    return act('recreate', spec, name, 'recreated outside MCP without labels', {
      id,
      drift: true,
      changes,
      hash,
      spec,
    });
  }
  const label = runningHash(inst, ctx);
  if (label === undefined) {
    const changes = [{ field: 'spec-hash', from: null, to: hash }];
    return act('recreate', spec, name, 'spec hash label missing (recreated outside MCP)', {
      id,
      drift: true,
      changes,
      hash,
      spec,
    });
  }
  if (label !== hash) {
    const entry = ctx.inventory.get(name);
    const changes = changesSince(entry, label, hash, spec);
    if (entry?.specHash === hash && !entry.claimed)
      return act('recreate', spec, name, 'changed outside MCP', { id, drift: true, changes, hash, spec });
    const reason = onlyNewerImage(changes) ? NEWER : 'spec changed';
    return act('recreate', spec, name, reason, { id, changes, hash, spec });
  }
  // Image names are not compared: runtimes rewrite them (busybox:1 -> docker.io/library/busybox:1).
  // The image id tells both a moved tag and a container recreated by hand from another image.
  // A pinned spec (pull = "newer") names its id itself: a rollback runs an id its tag has left.
  const current = spec.imageId ?? ctx.images[spec.image];
  if (inst.imageId && current && inst.imageId !== current) {
    const changes = [{ field: 'image-id', from: inst.imageId, to: current }];
    return act(
      'recreate',
      spec,
      name,
      'runs another image than its tag names (retagged, or replaced by hand)',
      {
        id,
        drift: true,
        changes,
        hash,
        spec,
      },
    );
  }
  if (inst.state === 'running') return act('unchanged', spec, name, 'up to date', { id, hash, spec });
  if (inst.state === 'created')
    return act('start', spec, name, 'created but never started', { id, hash, spec });
  if (inst.state === 'paused')
    return act('start', spec, name, 'paused outside MCP', { id, drift: true, hash, spec });
  return act('start', spec, name, 'stopped outside MCP', { id, drift: true, hash, spec });
}

/** Field changes from what runs (known from the inventory when it matches the label) to `spec`. */
function changesSince(
  entry: InventoryEntry | undefined,
  label: string,
  hash: string,
  spec: ComponentSpec,
): FieldChange[] {
  if (entry?.spec && entry.specHash === label) {
    const changes = diffSpecs(entry.spec, spec);
    if (changes.length > 0) return changes;
  }
  return [{ field: 'spec-hash', from: label, to: hash }];
}

/** The action for a component of an inactive service: kept stopped, never created. */
export function decideInactive(spec: ComponentSpec, name: string, ctx: PlanContext): Action {
  const inst = ctx.observed.get(name);
  if (!inst) return act('unchanged', spec, name, 'inactive', {});
  const id = inst.id;
  const other = otherNode(inst, ctx.node);
  if (other) return act('conflict', spec, name, heldByNode(other), { id });
  if (!isOwned(inst, ctx)) return act('conflict', spec, name, CONFLICT, { id });
  if (LIVE.has(inst.state)) return act('stop', spec, name, 'inactive', { id });
  return act('unchanged', spec, name, 'inactive', { id });
}

/**
 * The planner's decision for one desired component: given what runs under its name and what
 * the inventory remembers, the one action to take. Pure.
 */
import { diffSpecs } from './diff.js';
import { type InventoryEntry, LABEL, type ObservedInstance } from './observed.js';
import type { Action, ActionKind, FieldChange } from './plan-types.js';
import type { ComponentSpec, ServiceSpec } from './spec.js';

/** Indexes of one pass, built once so every decision is a constant-time lookup. */
export interface PlanContext {
  node: string;
  observed: ReadonlyMap<string, ObservedInstance>;
  inventory: ReadonlyMap<string, InventoryEntry>;
  images: Readonly<Record<string, string>>;
  services: ReadonlyMap<string, ServiceSpec>;
}

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
  if (other) return act('conflict', spec, name, heldByNode(other), { id });
  if (!isManaged(inst)) {
    if (!created(ctx, name)) return act('conflict', spec, name, CONFLICT, { id });
    const changes = [{ field: 'labels', from: null, to: 'mcp' }];
    return act('recreate', spec, name, 'recreated outside MCP without labels', {
      id,
      drift: true,
      changes,
      hash,
      spec,
    });
  }
  const label = inst.labels[LABEL.specHash];
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
    return act('recreate', spec, name, 'spec changed', { id, changes, hash, spec });
  }
  // Image names are not compared: runtimes rewrite them (busybox:1 -> docker.io/library/busybox:1).
  // The image id tells both a moved tag and a container recreated by hand from another image.
  const current = ctx.images[spec.image];
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
  if (inst.state === 'running') return act('unchanged', spec, name, 'up to date', { id });
  if (inst.state === 'created') return act('start', spec, name, 'created but never started', { id });
  if (inst.state === 'paused') return act('start', spec, name, 'paused outside MCP', { id, drift: true });
  return act('start', spec, name, 'stopped outside MCP', { id, drift: true });
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
  if (!isManaged(inst)) return act('conflict', spec, name, CONFLICT, { id });
  if (LIVE.has(inst.state)) return act('stop', spec, name, 'inactive', { id });
  return act('unchanged', spec, name, 'inactive', { id });
}

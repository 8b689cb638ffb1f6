/**
 * The pure planner: desired state + observed state + inventory -> the actions one node's
 * agent takes, in dependency order. No I/O, so it is golden-file tested and shared by the
 * agent (apply) and the CLI (`mcp plan`). The plan carries all apply needs: each action's
 * spec and dependencies, and whether removals are held.
 */
import { type AdoptCandidate, decideActive, decideInactive, type PlanContext } from './decide.js';
import { dependencyLevels } from './graph.js';
import { specHash } from './hash.js';
import { type NodeView, nodeView } from './node-view.js';
import type { InventoryEntry, Observed, ObservedInstance } from './observed.js';
import { decideOrphan } from './orphan.js';
import { countOutcomes, doneOutcome } from './outcome.js';
import { needsOverride } from './plan-summary.js';
import type { Action, Plan } from './plan-types.js';
import type { ServiceSpec } from './spec.js';
import { arrangeStages } from './stages.js';

/** Everything the planner looks at for one node. `services` may hold every node's services. */
export interface PlanInput {
  node: string;
  revision?: string;
  services: ServiceSpec[];
  observed: Observed;
  inventory: InventoryEntry[];
  /** The operator allows this plan to remove most of the node's services. */
  override?: boolean;
  /** Unmanaged instances the operator asked MCP to adopt (`mcp adopt`), with what runs in them. */
  adopt?: ReadonlyMap<string, AdoptCandidate>;
}

/** Plans one reconcile pass of `input.node`. Throws INVALID_SPEC on a dependency cycle. */
export function plan(input: PlanInput): Plan {
  const view = nodeView(input.services, input.node);
  const ctx = indexInput(input, view);
  const actions: Action[] = [];
  for (const service of view.services) {
    const names = view.names.get(service.name)!;
    service.components.forEach((spec, i) => {
      const action = service.active
        ? decideActive(spec, names[i], specHash(spec), ctx)
        : decideInactive(spec, names[i], ctx);
      actions.push(withDependencies(action, view.graph));
    });
  }
  // Orphans join a copy of the revision's graph; their stale dependencies may form a cycle.
  let graph: Map<string, readonly string[]> | undefined;
  for (const inst of ctx.observed.values()) {
    if (view.components.has(inst.name)) continue;
    const action = decideOrphan(inst, ctx);
    if (!action) continue;
    graph ??= new Map(view.graph);
    graph.set(inst.name, orphanDeps(inst.name, ctx, view.names));
    actions.push(withDependencies(action, graph));
  }
  const levels = graph ? dependencyLevels(graph, (name) => !view.components.has(name)) : view.levels();
  const override = needsOverride(actions, ctx);
  return {
    node: input.node,
    ...(input.revision === undefined ? {} : { revision: input.revision }),
    stages: arrangeStages(actions, levels),
    needsOverride: override,
    holdRemovals: override && input.override !== true,
    counts: countOutcomes(actions.map((a) => doneOutcome[a.kind])),
  };
}

/** The action with the instances it waits for on this node (a failure of one blocks it). */
const withDependencies = (action: Action, graph: ReadonlyMap<string, readonly string[]>): Action => {
  const deps = graph.get(action.name);
  return deps && deps.length > 0 ? { ...action, dependsOn: [...deps] } : action;
};

function indexInput(input: PlanInput, view: NodeView): PlanContext {
  const observed = new Map<string, ObservedInstance>();
  for (const inst of input.observed.instances) if (!observed.has(inst.name)) observed.set(inst.name, inst);
  return {
    node: input.node,
    observed,
    inventory: new Map(input.inventory.map((e) => [e.name, e])),
    images: input.observed.images,
    services: view.byName,
    adopt: input.adopt ?? new Map(),
  };
}

/** An orphan's dependencies as its inventory spec and its (possibly moved) service still tell them. */
function orphanDeps(name: string, ctx: PlanContext, names: NodeView['names']): string[] {
  const entry = ctx.inventory.get(name);
  if (!entry) return [];
  const serviceDeps = ctx.services.get(entry.service)?.dependsOn.flatMap((d) => names.get(d) ?? []) ?? [];
  return [...serviceDeps, ...(entry.spec?.dependsOn.map((c) => `${entry.service}-${c}`) ?? [])];
}

/**
 * The pure planner: desired state + observed state + inventory -> the actions one node's
 * agent takes, in dependency order. No I/O, so it is golden-file tested and shared by the
 * agent (apply) and the CLI (`mcp plan`).
 */
import { decideActive, decideInactive, type PlanContext } from './decide.js';
import { specHash } from './hash.js';
import type { InventoryEntry, Observed, ObservedInstance } from './observed.js';
import { decideOrphan } from './orphan.js';
import { countKinds, needsOverride } from './plan-summary.js';
import type { Action, Plan } from './plan-types.js';
import { instanceName, type ServiceSpec } from './spec.js';
import { arrangeStages, type DependencyGraph, dependencyLevels } from './stages.js';

/** Everything the planner looks at for one node. `services` may hold every node's services. */
export interface PlanInput {
  node: string;
  revision?: string;
  services: ServiceSpec[];
  observed: Observed;
  inventory: InventoryEntry[];
}

/** Plans one reconcile pass of `input.node`. Throws INVALID_SPEC on a dependency cycle. */
export function plan(input: PlanInput): Plan {
  const ctx = indexInput(input);
  const local = input.services.filter((s) => s.node === input.node);
  const names = new Map(local.map((s) => [s.name, s.components.map(instanceName)]));
  const graph: DependencyGraph = new Map();
  const actions: Action[] = [];
  for (const service of local) {
    const serviceDeps = service.dependsOn.flatMap((d) => names.get(d) ?? []);
    const own = names.get(service.name)!;
    service.components.forEach((spec, i) => {
      const deps = spec.dependsOn.map((c) => `${service.name}-${c}`);
      graph.set(own[i], deps.length > 0 ? serviceDeps.concat(deps) : serviceDeps);
      actions.push(
        service.active ? decideActive(spec, own[i], specHash(spec), ctx) : decideInactive(spec, own[i], ctx),
      );
    });
  }
  const desired = new Set(graph.keys());
  for (const inst of ctx.observed.values()) {
    if (desired.has(inst.name)) continue;
    const action = decideOrphan(inst, ctx);
    if (!action) continue;
    actions.push(action);
    graph.set(inst.name, orphanDeps(inst.name, ctx, names));
  }
  const levels = dependencyLevels(graph, (name) => !desired.has(name));
  return {
    node: input.node,
    ...(input.revision === undefined ? {} : { revision: input.revision }),
    stages: arrangeStages(actions, levels),
    needsOverride: needsOverride(actions, ctx),
    counts: countKinds(actions),
  };
}

function indexInput(input: PlanInput): PlanContext {
  const observed = new Map<string, ObservedInstance>();
  for (const inst of input.observed.instances) if (!observed.has(inst.name)) observed.set(inst.name, inst);
  return {
    node: input.node,
    observed,
    inventory: new Map(input.inventory.map((e) => [e.name, e])),
    images: input.observed.images,
    services: new Map(input.services.map((s) => [s.name, s])),
  };
}

/** An orphan's dependencies as its inventory spec and its (possibly moved) service still tell them. */
function orphanDeps(name: string, ctx: PlanContext, names: ReadonlyMap<string, string[]>): string[] {
  const entry = ctx.inventory.get(name);
  if (!entry) return [];
  const serviceDeps = ctx.services.get(entry.service)?.dependsOn.flatMap((d) => names.get(d) ?? []) ?? [];
  return [...serviceDeps, ...(entry.spec?.dependsOn.map((c) => `${entry.service}-${c}`) ?? [])];
}

/**
 * The state a node would be in had it converged on a revision: what `mcp plan` compares a
 * pull request's head with, since the real nodes are neither reachable nor needed to review it.
 */
import { specHash } from './hash.js';
import {
  type InventoryEntry,
  inventoryEntry,
  LABEL,
  type Observed,
  type ObservedInstance,
} from './observed.js';
import type { Action, Plan } from './plan-types.js';
import { instanceName, type Revision } from './spec.js';

/** What the planner needs of one node besides the desired state. */
export interface SimulatedNode {
  observed: Observed;
  inventory: InventoryEntry[];
}

/**
 * Every component of every service of `node` in `revision` as MCP would have created it:
 * running with its labels (exited when the service is inactive), and inventoried with its spec.
 */
export function simulateConverged(revision: Revision, node: string): SimulatedNode {
  const instances: ObservedInstance[] = [];
  const inventory: InventoryEntry[] = [];
  for (const service of revision.services) {
    if (service.node !== node) continue;
    for (const spec of service.components) {
      const name = instanceName(spec);
      const hash = specHash(spec);
      const labels: Record<string, string> = {
        [LABEL.managed]: 'true',
        [LABEL.service]: spec.service,
        [LABEL.component]: spec.name,
        [LABEL.specHash]: hash,
      };
      if (revision.commit) labels[LABEL.revision] = revision.commit;
      const state = service.active ? 'running' : 'exited';
      instances.push({ id: `simulated-${name}`, name, kind: spec.kind, state, image: spec.image, labels });
      inventory.push(inventoryEntry(spec, hash));
    }
  }
  return { observed: { instances, images: {} }, inventory };
}

/**
 * Against a simulated base every create is an addition (or a move between nodes), never
 * the repair of a missing container: says so, for the reviewer of a plan. `head`: the
 * proposed revision, to tell a service added to one more node from one moved there.
 */
export function explainCreates(plan: Plan, base: Revision, head?: Revision): Plan {
  const nodesOf = (r: Revision) => {
    const nodes = new Map<string, Set<string>>();
    for (const s of r.services) nodes.set(s.name, (nodes.get(s.name) ?? new Set()).add(s.node));
    return nodes;
  };
  const before = nodesOf(base);
  const after = head ? nodesOf(head) : undefined;
  const reason = (a: Action): string => {
    const from = before.get(a.service);
    if (from === undefined) return 'new service';
    if (from.has(plan.node)) return 'new component';
    const stays = [...from].filter((n) => after?.get(a.service)?.has(n));
    if (stays.length > 0) return `added to this node (also on ${stays.join(', ')})`;
    return `moved from node ${[...from].join(', ')}`;
  };
  const stages = plan.stages.map((stage) =>
    stage.map((a) => (a.kind === 'create' ? { ...a, reason: reason(a) } : a)),
  );
  return { ...plan, stages };
}

/**
 * The state a node would be in had it converged on a revision: what `mcp plan` compares a
 * pull request's head with, since the real nodes are neither reachable nor needed to review it.
 */
import { specHash } from './hash.js';
import { type InventoryEntry, LABEL, type Observed, type ObservedInstance } from './observed.js';
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
      inventory.push({
        name,
        service: spec.service,
        component: spec.name,
        kind: spec.kind,
        specHash: hash,
        spec,
      });
    }
  }
  return { observed: { instances, images: {} }, inventory };
}

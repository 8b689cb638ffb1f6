/**
 * Orphans: managed instances nothing on this node desires any more. Prune removes only
 * what the inventory says MCP created; anything else is left alone or not looked at.
 */
import { isOwned, otherNode, type PlanContext } from './decide.js';
import type { ObservedInstance } from './observed.js';
import type { Action } from './plan-types.js';

/**
 * The action for an observed instance nothing on this node desires: removed only when the
 * inventory says this node's agent created it. Anything else (not MCP's, another node's, or
 * MCP-labelled but unknown to this inventory) is none of this node's business: no action, not
 * counted, not reported.
 */
export function decideOrphan(inst: ObservedInstance, ctx: PlanContext): Action | undefined {
  if (!isOwned(inst, ctx) || otherNode(inst, ctx.node)) return undefined;
  const entry = ctx.inventory.get(inst.name);
  const { name, id } = inst;
  if (!entry) return undefined;
  const defined = ctx.services.get(entry.service);
  const reason = !defined
    ? 'service no longer defined'
    : defined.node !== ctx.node
      ? `moved to node ${defined.node}`
      : 'component removed';
  return { kind: 'remove', name, service: entry.service, component: entry.component, reason, id };
}

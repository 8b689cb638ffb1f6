/**
 * Orphans: managed instances nothing on this node desires any more. Prune removes only
 * what the inventory says MCP created; anything else is left alone or not looked at.
 */
import { isOwned, type PlanContext } from './decide.js';
import { LABEL, type ObservedInstance } from './observed.js';
import type { Action } from './plan-types.js';

/**
 * The action for an observed instance nothing on this node desires: removed only when the
 * inventory says MCP created it; instances MCP does not manage are none of the plan's business.
 */
export function decideOrphan(inst: ObservedInstance, ctx: PlanContext): Action | undefined {
  if (!isOwned(inst, ctx)) return undefined;
  const entry = ctx.inventory.get(inst.name);
  const { name, id } = inst;
  if (!entry) {
    const service = inst.labels[LABEL.service] ?? '';
    const component = inst.labels[LABEL.component] ?? '';
    return {
      kind: 'unchanged',
      name,
      service,
      component,
      reason: 'managed label but not in inventory; left alone',
      id,
    };
  }
  const defined = ctx.services.get(entry.service);
  const reason = !defined
    ? 'service no longer defined'
    : defined.node !== ctx.node
      ? `moved to node ${defined.node}`
      : 'component removed';
  return { kind: 'remove', name, service: entry.service, component: entry.component, reason, id };
}

/** The mass-removal guard, which looks at all of a plan's actions at once. */
import { isOwned, type PlanContext } from './decide.js';
import type { Action } from './plan-types.js';

/**
 * The mass-removal guard: true when the plan removes every instance of more than half of
 * the services that have managed, inventoried instances on this node.
 */
export function needsOverride(actions: readonly Action[], ctx: PlanContext): boolean {
  const removed = new Set(actions.filter((a) => a.kind === 'remove').map((a) => a.name));
  // Nothing removed: every service present keeps its instances.
  if (removed.size === 0) return false;
  const kept = new Set<string>();
  const present = new Set<string>();
  for (const inst of ctx.observed.values()) {
    const entry = ctx.inventory.get(inst.name);
    if (!entry || !isOwned(inst, ctx)) continue;
    present.add(entry.service);
    if (!removed.has(inst.name)) kept.add(entry.service);
  }
  const gone = [...present].filter((s) => !kept.has(s)).length;
  return gone * 2 > present.size;
}

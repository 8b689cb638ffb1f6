/**
 * The two summaries of a plan that look at all of its actions at once: the counts per kind
 * (for the one log line per pass) and the mass-removal guard.
 */
import { isManaged, type PlanContext } from './decide.js';
import type { Action, ActionKind } from './plan-types.js';

/**
 * The mass-removal guard: true when the plan removes every instance of more than half of
 * the services that have managed, inventoried instances on this node.
 */
export function needsOverride(actions: readonly Action[], ctx: PlanContext): boolean {
  const removed = new Set(actions.filter((a) => a.kind === 'remove').map((a) => a.name));
  const kept = new Set<string>();
  const present = new Set<string>();
  for (const inst of ctx.observed.values()) {
    const entry = ctx.inventory.get(inst.name);
    if (!entry || !isManaged(inst)) continue;
    present.add(entry.service);
    if (!removed.has(inst.name)) kept.add(entry.service);
  }
  const gone = [...present].filter((s) => !kept.has(s)).length;
  return gone * 2 > present.size;
}

/** The number of actions of each kind, every kind present. */
export function countKinds(actions: readonly Action[]): Record<ActionKind, number> {
  const counts: Record<ActionKind, number> = {
    create: 0,
    recreate: 0,
    start: 0,
    stop: 0,
    remove: 0,
    conflict: 0,
    unchanged: 0,
  };
  for (const action of actions) counts[action.kind]++;
  return counts;
}

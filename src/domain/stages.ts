/**
 * A plan's actions in stages by dependency level (graph.ts): what must run first comes first,
 * what is torn down goes away before its dependencies do. Pure and deterministic.
 */

import { byName } from './order.js';
import type { Action } from './plan-types.js';

const isTeardown = (a: Action): boolean => a.kind === 'stop' || a.kind === 'remove';

/**
 * Groups actions into stages: tear-down (stop, remove) first, dependents before their
 * dependencies; then everything else, dependencies before their dependents. Empty stages
 * are dropped; each stage is sorted by name.
 */
export function arrangeStages(actions: readonly Action[], levels: ReadonlyMap<string, number>): Action[][] {
  const down = new Map<number, Action[]>();
  const up = new Map<number, Action[]>();
  for (const action of actions) {
    const buckets = isTeardown(action) ? down : up;
    const level = levels.get(action.name) ?? 0;
    const bucket = buckets.get(level);
    if (bucket) bucket.push(action);
    else buckets.set(level, [action]);
  }
  const ordered = (buckets: Map<number, Action[]>, sign: 1 | -1): Action[][] =>
    [...buckets.keys()].sort((a, b) => sign * (a - b)).map((level) => buckets.get(level)!.sort(byName));
  return [...ordered(down, -1), ...ordered(up, 1)];
}

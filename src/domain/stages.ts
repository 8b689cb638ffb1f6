/**
 * Ordering of a plan by `depends_on`: what must run first comes first, what is torn down
 * goes away before its dependencies do. Pure and deterministic.
 */
import { McpError } from './errors.js';
import type { Action } from './plan-types.js';

/** Instance name -> instance names it depends on. Names not in the graph are ignored. */
export type DependencyGraph = Map<string, readonly string[]>;

interface Frame {
  name: string;
  deps: readonly string[];
  next: number;
  level: number;
}

/**
 * The level of every instance: 0 without dependencies, else 1 + the highest level of what it
 * depends on. Iterative, so a chain of ten thousand services cannot overflow the stack.
 * A cycle throws INVALID_SPEC, unless it passes through an instance for which `tolerate`
 * is true (stale inventory data of orphans): such an edge is dropped instead.
 */
export function dependencyLevels(
  graph: DependencyGraph,
  tolerate: (name: string) => boolean,
): Map<string, number> {
  const levels = new Map<string, number>();
  const onPath = new Map<string, number>();
  const path: Frame[] = [];
  const enter = (name: string): void => {
    onPath.set(name, path.length);
    path.push({ name, deps: graph.get(name) ?? [], next: 0, level: 0 });
  };
  for (const root of graph.keys()) {
    if (levels.has(root)) continue;
    enter(root);
    while (path.length > 0) {
      const top = path[path.length - 1];
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++];
        const known = levels.get(dep);
        if (known !== undefined) top.level = Math.max(top.level, known + 1);
        else if (onPath.has(dep))
          rejectCycle(
            path.slice(onPath.get(dep)).map((f) => f.name),
            tolerate,
          );
        else if (graph.has(dep)) enter(dep);
        continue;
      }
      path.pop();
      onPath.delete(top.name);
      levels.set(top.name, top.level);
      if (path.length > 0) path[path.length - 1].level = Math.max(path[path.length - 1].level, top.level + 1);
    }
  }
  return levels;
}

function rejectCycle(cycle: string[], tolerate: (name: string) => boolean): void {
  if (cycle.some(tolerate)) return;
  const names = [...cycle, cycle[0]];
  throw new McpError('INVALID_SPEC', `dependency cycle: ${names.join(' -> ')}`, { cycle: names });
}

const isTeardown = (a: Action): boolean => a.kind === 'stop' || a.kind === 'remove';
const byName = (a: Action, b: Action): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

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

/** Dependency cycles, named so an operator can break them: `a -> b -> a`. */

/**
 * One cycle per strongly connected group of `graph` (node -> its dependencies), each the
 * shortest loop through the group's smallest name, e.g. ['a', 'b', 'a']. Edges to unknown
 * nodes are ignored (they are reported as missing elsewhere).
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const covered = new Set<string>();
  for (const start of [...graph.keys()].sort()) {
    if (covered.has(start)) continue;
    const loop = shortestLoop(graph, start);
    if (!loop) continue;
    for (const n of loop) covered.add(n);
    cycles.push(loop);
  }
  return cycles;
}

/** Breadth-first search from `start` back to itself. */
function shortestLoop(graph: ReadonlyMap<string, readonly string[]>, start: string): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(parent.get(path[0])!);
        return [...path, start];
      }
      if (parent.has(next) || !graph.has(next)) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

/** `a -> b -> a`. */
export const formatCycle = (cycle: readonly string[]): string => `dependency cycle: ${cycle.join(' -> ')}`;

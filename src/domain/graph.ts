/**
 * The dependency graph of instances, once for everyone: the planner orders a pass by it (and
 * puts each action's dependencies into the plan, so apply can tell what a failure blocks),
 * the renderers order their output by it. Built from `depends_on` of services and of
 * components. Pure and iterative, so a chain of ten thousand services cannot overflow the stack.
 */
import { formatCycle } from './cycles.js';
import { McpError } from './errors.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from './spec.js';

/** Instance name -> instance names it depends on directly. Names not in the graph are ignored. */
export type DependencyGraph = Map<string, readonly string[]>;

/**
 * The graph of the components of `services`: each waits for every component of the services
 * its service depends on, then for the components of its own service it names. Dependencies
 * on services not given (another node's) are dropped.
 */
export function serviceGraph(services: readonly ServiceSpec[]): DependencyGraph {
  const byService = new Map(services.map((s) => [s.name, s.components.map(instanceName)]));
  const graph: DependencyGraph = new Map();
  for (const s of services) {
    const upstream = s.dependsOn.flatMap((d) => byService.get(d) ?? []);
    for (const c of s.components) {
      const own = c.dependsOn.map((d) => instanceName({ service: s.name, name: d }));
      graph.set(instanceName(c), own.length > 0 ? upstream.concat(own) : upstream);
    }
  }
  return graph;
}

interface Frame {
  name: string;
  deps: readonly string[];
  next: number;
  level: number;
}

/**
 * The level of every instance: 0 without dependencies, else 1 + the highest level of what it
 * depends on. A cycle throws INVALID_SPEC, unless it passes through an instance for which
 * `tolerate` is true (stale inventory data of orphans): such an edge is dropped instead.
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
  throw new McpError('INVALID_SPEC', formatCycle(names), { cycle: names });
}

/**
 * Every component of `services`, dependencies before dependents, otherwise in the given
 * order: the order a renderer writes them in.
 */
export function dependencyOrder(services: readonly ServiceSpec[]): ComponentSpec[] {
  const graph = serviceGraph(services);
  const all = new Map(services.flatMap((s) => s.components.map((c) => [instanceName(c), c] as const)));
  const seen = new Set<string>();
  const ordered: ComponentSpec[] = [];
  for (const root of all.keys()) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const dep = graph.get(top.name)?.[top.next++];
      if (dep === undefined) {
        stack.pop();
        ordered.push(all.get(top.name)!);
      } else if (all.has(dep) && !seen.has(dep)) {
        seen.add(dep);
        stack.push({ name: dep, next: 0 });
      }
    }
  }
  return ordered;
}

/** The first of `dependsOn` that did not converge: what blocks an action, if anything. */
export const blockerOf = (
  dependsOn: readonly string[] | undefined,
  broken: ReadonlySet<string>,
): string | undefined => dependsOn?.find((d) => broken.has(d));

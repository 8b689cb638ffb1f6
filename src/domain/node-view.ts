/**
 * What a revision's services say about one node, worked out once per revision: the node's
 * services, their instances by name (all, and those of active services), the dependency graph
 * and its levels. Revisions, their
 * service lists and their specs are never mutated after loading, so the view is memoised per
 * service list and node: a pass over an unchanged revision builds none of it again (a no-op
 * pass at 200 services otherwise rebuilt the graph and every instance name each time).
 */
import { type DependencyGraph, dependencyLevels, serviceGraph } from './graph.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from './spec.js';

export interface NodeView {
  /** The node's services, in the revision's order. */
  services: readonly ServiceSpec[];
  /** Every service of the revision (any node) by name. */
  byName: ReadonlyMap<string, ServiceSpec>;
  /** The node's instances by name, in the revision's order. */
  components: ReadonlyMap<string, ComponentSpec>;
  /** The instances of the node's active services, by name, in the revision's order. */
  active: ReadonlyMap<string, ComponentSpec>;
  /** Instance names per service of the node. */
  names: ReadonlyMap<string, readonly string[]>;
  /** The dependency graph of the node's instances (copy it before adding to it). */
  graph: ReadonlyMap<string, readonly string[]>;
  /** The graph's levels; throws INVALID_SPEC on a cycle (then nothing is kept). */
  levels(): ReadonlyMap<string, number>;
}

const views = new WeakMap<readonly ServiceSpec[], Map<string, NodeView>>();

/** The view of `node` in `services` (memoised per list and node). */
export function nodeView(services: readonly ServiceSpec[], node: string): NodeView {
  let perNode = views.get(services);
  if (!perNode) {
    perNode = new Map();
    views.set(services, perNode);
  }
  let view = perNode.get(node);
  if (!view) {
    view = buildView(services, node);
    perNode.set(node, view);
  }
  return view;
}

function buildView(all: readonly ServiceSpec[], node: string): NodeView {
  const services = all.filter((s) => s.node === node);
  const graph: DependencyGraph = serviceGraph(services);
  const instances = (list: readonly ServiceSpec[]) =>
    new Map(list.flatMap((s) => s.components.map((c) => [instanceName(c), c] as const)));
  let levels: ReadonlyMap<string, number> | undefined;
  return {
    services,
    byName: new Map(all.map((s) => [s.name, s])),
    components: instances(services),
    active: instances(services.filter((s) => s.active)),
    names: new Map(services.map((s) => [s.name, s.components.map(instanceName)])),
    graph,
    levels: () => (levels ??= dependencyLevels(graph, () => false)),
  };
}

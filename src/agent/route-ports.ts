/**
 * Route ports during one pass: allocated once per instance in the registry (stable across
 * passes), clear of the node's static host ports, and proven free by trying the bind before
 * use. A port another process holds is moved off, and not handed out again in the same pass.
 */
import { McpError } from '../domain/errors.js';
import type { ComponentSpec } from '../domain/spec.js';
import type { PortProbe } from '../ports/port-probe.js';
import type { StateStore } from '../ports/state-store.js';

/** Route ports are published on the loopback address only (see domain/instance.ts). */
const ROUTE_HOST_IP = '127.0.0.1';
const MAX_MOVES = 20;

/** The route ports of one pass's instances. */
export class RoutePorts {
  /** The node's static host ports, gathered at the first allocation (a pass that creates nothing needs none). */
  private staticPorts?: Set<number>;
  /** Ports found in use by another process during this pass. */
  private readonly busy = new Set<number>();

  constructor(
    private readonly store: StateStore,
    private readonly desired: readonly ComponentSpec[],
    private readonly probe?: PortProbe,
  ) {}

  /** The instance's ports from the registry, allocating the missing ones; routes not in `keep` are released. */
  allocate(name: string, spec: ComponentSpec, keep = spec.routes.map((r) => r.name)): Record<string, number> {
    this.staticPorts ??= new Set(this.desired.flatMap((c) => c.ports.map((p) => p.hostPort)));
    return this.store.routePorts(name, keep, new Set([...this.staticPorts, ...this.busy]));
  }

  /** The instance's ports, each proven free by its bind; a port in use moves to another one. */
  async free(name: string, spec: ComponentSpec): Promise<Record<string, number>> {
    let ports = this.allocate(name, spec);
    if (!this.probe) return ports;
    for (let moves = 0; moves < MAX_MOVES; moves++) {
      const taken: string[] = [];
      for (const [route, port] of Object.entries(ports))
        if (!(await this.probe.isFree(ROUTE_HOST_IP, port))) taken.push(route);
      if (taken.length === 0) return ports;
      ports = this.move(name, spec, taken, ports);
    }
    throw new McpError('CONFLICT', `${name}: no free route port found in ${MAX_MOVES} tries`);
  }

  /** Gives `routes` of the instance new ports, never the ones they have now. */
  move(
    name: string,
    spec: ComponentSpec,
    routes: readonly string[],
    ports: Record<string, number>,
  ): Record<string, number> {
    for (const r of routes) this.busy.add(ports[r]);
    this.allocate(
      name,
      spec,
      spec.routes.map((r) => r.name).filter((r) => !routes.includes(r)),
    );
    return this.allocate(name, spec);
  }

  /** The route whose host port a runtime reported in use by another process, if any. */
  holding(error: McpError, ports: Record<string, number>): string | undefined {
    const port = error.code === 'CONFLICT' ? error.data.hostPort : undefined;
    return typeof port === 'number' ? Object.keys(ports).find((route) => ports[route] === port) : undefined;
  }
}

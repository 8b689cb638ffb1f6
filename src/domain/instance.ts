/**
 * What every runtime gives an instance it creates, containers and VMs alike: MCP's labels,
 * and the host ports it publishes (the spec's own plus one per route).
 */
import { LABEL } from './observed.js';
import type { ComponentSpec, PortBinding } from './spec.js';

/** The labels that make an instance MCP's and say which spec it was created from. */
export const managedLabels = (
  spec: ComponentSpec,
  hash: string,
  revision?: string,
  node?: string,
): Record<string, string> => ({
  [LABEL.managed]: 'true',
  ...(node ? { [LABEL.node]: node } : {}),
  [LABEL.service]: spec.service,
  [LABEL.component]: spec.name,
  [LABEL.specHash]: hash,
  ...(revision ? { [LABEL.revision]: revision } : {}),
});

/**
 * Every published port: the spec's own plus, per route with an allocated host port,
 * 127.0.0.1:<that port> -> the route's port (routes are reached through the host's proxy).
 */
export const publishedPorts = (spec: ComponentSpec, routePorts: Record<string, number>): PortBinding[] => [
  ...spec.ports,
  ...spec.routes
    .filter((r) => routePorts[r.name] !== undefined)
    .map((r) => ({
      hostIp: '127.0.0.1',
      hostPort: routePorts[r.name],
      containerPort: r.port,
      protocol: 'tcp' as const,
    })),
];

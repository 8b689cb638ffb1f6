/**
 * What the renderers share: their result shape, the textual forms of ports and volumes
 * (the same ones the service files use), and the order in which components must start.
 */
import type { ComponentSpec, PortBinding, ServiceSpec, VolumeMount } from '../domain/spec.js';
import { instanceName } from '../domain/spec.js';

/** A rendering: the text for stdout and notes for stderr about what it could not express. */
export interface Rendered {
  text: string;
  notes: string[];
}

/** `[ip:]host:container[/udp]`, as podman `-p` and compose `ports` take it. */
export const portText = (p: PortBinding): string =>
  `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}:${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`;

/** `source:target[:ro]`, as podman `-v` and compose `volumes` take it. */
export const volumeText = (v: VolumeMount): string => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`;

/** The note for a unikernel component, which only mcp-agent (QEMU) can run. */
export const unikernelNote = (c: ComponentSpec, format: string): string =>
  `${instanceName(c)}: unikernel component (${c.image}) runs under mcp-agent with QEMU; ${format} cannot express it, skipped`;

/**
 * Instance names each instance must wait for: its component dependencies and every
 * component of the services its service depends on, limited to the services given.
 */
export function instanceDependencies(services: readonly ServiceSpec[]): Map<string, string[]> {
  const byService = new Map(services.map((s) => [s.name, s]));
  const deps = new Map<string, string[]>();
  for (const s of services) {
    const upstream = s.dependsOn.flatMap((d) => byService.get(d)?.components.map(instanceName) ?? []);
    for (const c of s.components) {
      const own = c.dependsOn.map((d) => instanceName({ service: s.name, name: d }));
      deps.set(instanceName(c), [...own, ...upstream]);
    }
  }
  return deps;
}

/** Every component of `services`, dependencies before dependents, otherwise in the given order. */
export function startOrder(services: readonly ServiceSpec[]): ComponentSpec[] {
  const deps = instanceDependencies(services);
  const all = new Map(services.flatMap((s) => s.components.map((c) => [instanceName(c), c] as const)));
  const done = new Set<string>();
  const ordered: ComponentSpec[] = [];
  const visit = (name: string): void => {
    if (done.has(name) || !all.has(name)) return;
    done.add(name);
    for (const dep of deps.get(name) ?? []) visit(dep);
    ordered.push(all.get(name)!);
  };
  for (const name of all.keys()) visit(name);
  return ordered;
}

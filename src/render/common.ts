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
export const portText = (p: PortBinding): string => {
  const ip = p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp;
  return `${ip ? `${ip}:` : ''}${p.hostPort}:${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`;
};

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

/**
 * Every component of `services`, dependencies before dependents, otherwise in the given
 * order. Iterative, so a long chain of dependencies cannot overflow the stack.
 */
export function startOrder(services: readonly ServiceSpec[]): ComponentSpec[] {
  const deps = instanceDependencies(services);
  const all = new Map(services.flatMap((s) => s.components.map((c) => [instanceName(c), c] as const)));
  const seen = new Set<string>();
  const ordered: ComponentSpec[] = [];
  for (const root of all.keys()) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const dep = deps.get(top.name)?.[top.next++];
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

/** The note for an inactive service in a format that has no "defined but stopped". */
export const inactiveNote = (s: ServiceSpec, format: string): string =>
  `${s.name} is inactive (kept stopped by mcp-agent); ${format} would start it`;

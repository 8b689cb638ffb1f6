/**
 * What the renderers share: their result shape, the textual forms of ports and volumes
 * (the same ones the service files use). Their order comes from domain/graph.ts.
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

/** The note for a job: a one-shot deploy hook the agent runs around a change, not a container to keep running. */
export const jobNote = (c: ComponentSpec, format: string): string | undefined =>
  c.job
    ? `${instanceName(c)}: ${c.job.when} job, run once by mcp-agent around a change of ${c.service}; ${format} keeps containers running, skipped`
    : undefined;

/** The note for a component's secrets: never in a rendering, whose reader cannot decrypt them anyway. */
export const secretsNote = (c: ComponentSpec): string | undefined =>
  c.secrets?.length
    ? `${instanceName(c)}: secrets ${c.secrets.map((u) => `${u.name} (${u.env ? `env ${u.env}` : `file ${u.file}`})`).join(', ')} are not rendered; mcp-agent decrypts them on the node (by hand: age -d -i KEY secrets/${c.service}/NAME.age)`
    : undefined;

/** The note for an inactive service in a format that has no "defined but stopped". */
export const inactiveNote = (s: ServiceSpec, format: string): string =>
  `${s.name} is inactive (kept stopped by mcp-agent); ${format} would start it`;

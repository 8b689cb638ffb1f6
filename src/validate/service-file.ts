/**
 * A normalised service spec written back as a service file's value (`mcp service show|export`
 * through service-toml.ts, and the agent's re-check of admission): every value explicit as the
 * agent holds it, so exporting what a node runs gives a file that `mcp validate` accepts and
 * that normalises to the same spec.
 */
import type { ComponentSpec, HealthSpec, PortBinding, ServiceSpec, VolumeMount } from '../domain/spec.js';
import type { Component, Health } from '../generated/service.js';
import type { NodeService } from './types.js';

const portSpec = (p: PortBinding): string => {
  const ip = p.hostIp === '' ? '' : p.hostIp.includes(':') ? `[${p.hostIp}]:` : `${p.hostIp}:`;
  return `${ip}${p.hostPort}:${p.containerPort}${p.protocol === 'tcp' ? '' : `/${p.protocol}`}`;
};

const volumeSpec = (v: VolumeMount): string => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`;

const healthFile = (h: HealthSpec): Health => ({
  ...(h.probe.kind === 'cmd' && { cmd: h.probe.cmd as Health['cmd'] }),
  ...(h.probe.kind === 'http' && { http: h.probe.port, path: h.probe.path }),
  ...(h.probe.kind === 'tcp' && { tcp: h.probe.port }),
  interval: h.interval,
  timeout: h.timeout,
  retries: h.retries,
  start_period: h.startPeriod,
  start_timeout: h.startTimeout,
});

const componentFile = (c: ComponentSpec): Component => ({
  name: c.name,
  kind: c.job ? 'job' : c.kind,
  ...(c.job && { when: c.job.when, timeout: c.job.timeout }),
  image: c.image,
  ...(c.network !== undefined && { network: c.network }),
  ...(c.user !== undefined && { user: c.user }),
  ...(!c.job && { restart: c.restart }),
  ...(c.memory !== undefined && { memory: c.memory }),
  ...(c.cpus !== undefined && { cpus: c.cpus }),
  ...(c.ports.length > 0 && { ports: c.ports.map(portSpec) }),
  ...(c.volumes.length > 0 && { volumes: c.volumes.map(volumeSpec) }),
  ...(c.cmd.length > 0 && { cmd: c.cmd }),
  ...(c.env.length > 0 && { env: c.env }),
  // The uses only: a digest is the node's, never part of a file.
  ...(c.secrets?.length && {
    secrets: c.secrets.map((u) => ({
      name: u.name,
      ...(u.env !== undefined && { env: u.env }),
      ...(u.file !== undefined && { file: u.file, mode: (u.mode ?? 0o400).toString(8).padStart(4, '0') }),
    })),
  }),
  ...(c.dependsOn.length > 0 && { depends_on: c.dependsOn }),
  ...(c.routes.length > 0 && {
    routes: c.routes.map((r) => ({
      name: r.name,
      port: r.port,
      mode: r.mode,
      ...(r.hostname !== undefined && { hostname: r.hostname }),
    })),
  }),
  ...(c.health !== undefined && { health: healthFile(c.health) }),
  ...(c.pull !== undefined && { pull: c.pull }),
});

/** The service file's value for `spec` (the inverse of normalisation). */
export const serviceFileOf = (spec: ServiceSpec): NodeService => ({
  name: spec.name,
  node: spec.node,
  active: spec.active,
  ...(spec.rollback === false && { rollback: false }),
  ...(spec.dependsOn.length > 0 && { depends_on: spec.dependsOn }),
  components: spec.components.map(componentFile) as NodeService['components'],
});

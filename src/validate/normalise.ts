/**
 * Schema-valid service files -> canonical domain specs. Two files that mean the same thing
 * normalise to equal values, so spec hashes change only when the meaning does.
 */

import { McpError } from '../domain/errors.js';
import { byString } from '../domain/order.js';
import { NO_SECRETS, type SecretUse } from '../domain/secrets.js';
import type {
  ComponentSpec,
  HealthProbe,
  HealthSpec,
  PortBinding,
  Protocol,
  Revision,
  Route,
  ServiceSpec,
  VolumeMount,
} from '../domain/spec.js';
import type {
  Component,
  Health,
  Route as RouteFile,
  SecretUse as SecretUseFile,
} from '../generated/service.js';
import { sealedSecrets } from './secrets.js';
import type { LoadedFile, NodeService } from './types.js';

/** Seconds a job may run when its file does not say. */
export const JOB_TIMEOUT = 300;

/** Memory (MiB) and vCPUs a unikernel gets when its file does not say. */
export const UNIKERNEL_DEFAULTS = { memory: 128, cpus: 1 } as const;

/** Parses `[ip:]host:container[/tcp|udp]`; IPv6 brackets are stripped, no address is ''. */
export function parsePortSpec(spec: string): PortBinding {
  const [addr, proto] = spec.split('/');
  const m = /^(?:(\[[^\]]*\]|[^:]*):)?(\d+):(\d+)$/.exec(addr);
  if (!m) throw new McpError('INVALID_SPEC', `invalid port spec '${spec}'`, { spec });
  return {
    hostIp: (m[1] ?? '').replace(/^\[|\]$/g, ''),
    hostPort: Number(m[2]),
    containerPort: Number(m[3]),
    protocol: (proto ?? 'tcp') as Protocol,
  };
}

/** Parses `source:target[:ro|rw]`. */
export function parseVolumeSpec(spec: string): VolumeMount {
  const [source, target, mode] = spec.split(':');
  return { source, target, readOnly: mode === 'ro' };
}

const comparePorts = (a: PortBinding, b: PortBinding): number =>
  byString(a.hostIp, b.hostIp) ||
  a.hostPort - b.hostPort ||
  byString(a.protocol, b.protocol) ||
  a.containerPort - b.containerPort;

/** `KEY=VALUE` entries, one per key (the last wins), sorted by key. */
export function normaliseEnv(env: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const entry of env) byKey.set(entry.slice(0, entry.indexOf('=')), entry);
  return [...byKey.keys()].sort(byString).map((k) => byKey.get(k)!);
}

const normaliseRoute = (r: RouteFile): Route => ({
  name: r.name,
  port: r.port,
  mode: r.mode ?? 'l4',
  ...(r.hostname !== undefined && { hostname: r.hostname }),
});

/** Probe timings a health table does not give (seconds), as the schema documents them. */
export const HEALTH_DEFAULTS = {
  interval: 10,
  timeout: 5,
  retries: 3,
  startPeriod: 0,
  startTimeout: 300,
} as const;

const probeOf = (h: Health): HealthProbe => {
  if (h.cmd) return { kind: 'cmd', cmd: [...h.cmd] };
  if (h.http !== undefined) return { kind: 'http', port: h.http, path: h.path ?? '/' };
  return { kind: 'tcp', port: h.tcp! };
};

/** A health table with its defaults filled (validation has made sure it names exactly one probe). */
export function normaliseHealth(h: Health): HealthSpec {
  return {
    probe: probeOf(h),
    interval: h.interval ?? HEALTH_DEFAULTS.interval,
    timeout: h.timeout ?? HEALTH_DEFAULTS.timeout,
    retries: h.retries ?? HEALTH_DEFAULTS.retries,
    startPeriod: h.start_period ?? HEALTH_DEFAULTS.startPeriod,
    startTimeout: h.start_timeout ?? HEALTH_DEFAULTS.startTimeout,
  };
}

/** A file secret's mode defaults to 0400: readable by its owner only. */
const normaliseSecret = (s: SecretUseFile): SecretUse => ({
  name: s.name,
  ...(s.env !== undefined && { env: s.env }),
  ...(s.file !== undefined && { file: s.file, mode: Number.parseInt(s.mode ?? '0400', 8) }),
});

/** The spec's name of a service file's component field. */
const specField = (field: string): string => (field === 'depends_on' ? 'dependsOn' : field);

/** Field -> reference -> value, as a plain record in canonical order (ComponentSpec.vars). */
const varsRecord = (
  used: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
): ComponentSpec['vars'] => {
  if (!used || used.size === 0) return undefined;
  const record: Record<string, Record<string, string>> = {};
  for (const field of [...used.keys()].sort(byString)) {
    const refs = used.get(field)!;
    record[specField(field)] = Object.fromEntries(
      [...refs.keys()].sort(byString).map((r) => [r, refs.get(r)!]),
    );
  }
  return record;
};

/**
 * One component with defaults filled and every list in canonical order. `used`: the
 * variables its fields were resolved with (kept for plans, never hashed).
 */
export function normaliseComponent(
  service: string,
  c: Component,
  used?: ReadonlyMap<string, ReadonlyMap<string, string>>,
): ComponentSpec {
  const vars = varsRecord(used);
  const unikernel = c.kind === 'unikernel';
  const job = c.kind === 'job';
  return {
    service,
    name: c.name,
    kind: unikernel ? 'unikernel' : 'container',
    image: c.image,
    ...(c.network !== undefined && { network: c.network }),
    ...(c.user !== undefined && { user: c.user }),
    restart: job ? 'no' : (c.restart ?? 'unless-stopped'),
    ports: (c.ports ?? []).map(parsePortSpec).sort(comparePorts),
    volumes: (c.volumes ?? []).map(parseVolumeSpec).sort((a, b) => byString(a.target, b.target)),
    cmd: [...(c.cmd ?? [])],
    env: normaliseEnv(c.env ?? []),
    ...(c.secrets?.length && {
      secrets: c.secrets
        .map(normaliseSecret)
        .sort((a, b) => byString(a.name, b.name) || byString(a.env ?? a.file!, b.env ?? b.file!)),
    }),
    dependsOn: [...(c.depends_on ?? [])].sort(byString),
    routes: (c.routes ?? []).map(normaliseRoute).sort((a, b) => byString(a.name, b.name)),
    ...(unikernel && {
      memory: c.memory ?? UNIKERNEL_DEFAULTS.memory,
      cpus: c.cpus ?? UNIKERNEL_DEFAULTS.cpus,
    }),
    ...(c.health !== undefined && { health: normaliseHealth(c.health) }),
    ...(job && { job: { when: c.when!, timeout: c.timeout ?? JOB_TIMEOUT } }),
    ...(vars !== undefined && { vars }),
    ...(c.pull !== undefined && c.pull !== 'missing' && { pull: c.pull }),
  };
}

/** One service file for one node, defining `file` (its path in the repository). */
export function normaliseService(
  s: NodeService,
  file: string,
  secrets = NO_SECRETS,
  vars?: LoadedFile['vars'],
): ServiceSpec {
  const sealed = sealedSecrets(
    s.name,
    s.components.flatMap((c) => (c.secrets ?? []).map((u) => u.name)),
    secrets,
  );
  return {
    name: s.name,
    node: s.node,
    active: s.active ?? true,
    dependsOn: [...(s.depends_on ?? [])].sort(byString),
    ...(s.rollback === false && { rollback: false as const }),
    components: s.components
      .map((c, i) => normaliseComponent(s.name, c, vars?.get(i)))
      .sort((a, b) => byString(a.name, b.name)),
    ...(sealed && { secrets: sealed }),
    file,
  };
}

/** A whole revision: services sorted by name, commit present only when known. */
export function normaliseRevision(
  files: readonly { file: string; service: NodeService; vars?: LoadedFile['vars'] }[],
  commit?: string,
  secrets = NO_SECRETS,
): Revision {
  const services = files
    .map((f) => normaliseService(f.service, f.file, secrets, f.vars))
    .sort((a, b) => byString(a.name, b.name) || byString(a.node, b.node));
  return commit === undefined ? { services } : { commit, services };
}

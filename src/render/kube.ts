/**
 * Kubernetes Pod manifests, one per service, that `podman kube play` runs: the way out for
 * operators who outgrow a node. Components of a service share the pod (and its network).
 */

import { dependencyOrder } from '../domain/graph.js';
import { LABEL } from '../domain/observed.js';
import type { ComponentSpec, RestartPolicy, ServiceSpec } from '../domain/spec.js';
import { instanceName } from '../domain/spec.js';
import { inactiveNote, jobNote, type Rendered, secretsNote, unikernelNote } from './common.js';
import { toYaml, type YamlValue } from './yaml.js';

const POD_RESTART: Record<RestartPolicy, string> = {
  always: 'Always',
  'unless-stopped': 'Always',
  'on-failure': 'OnFailure',
  no: 'Never',
};
const STRENGTH = ['Never', 'OnFailure', 'Always'];

/** A DNS-label volume name derived from the host path, unique within the pod. */
const volumeName = (source: string, taken: Set<string>): string => {
  const base =
    source
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 58) || 'root';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
};

const securityContext = (c: ComponentSpec, notes: string[]): Record<string, YamlValue> | undefined => {
  if (!c.user) return undefined;
  const m = /^(\d+)(?::(\d+))?$/.exec(c.user);
  if (!m) {
    notes.push(`${instanceName(c)}: user '${c.user}' is not numeric; kube needs runAsUser ids, left out`);
    return undefined;
  }
  return m[2] === undefined
    ? { runAsUser: Number(m[1]) }
    : { runAsUser: Number(m[1]), runAsGroup: Number(m[2]) };
};

function container(
  c: ComponentSpec,
  volumes: Map<string, string>,
  notes: string[],
): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = { name: c.name, image: c.image };
  if (c.cmd.length > 0) out.args = c.cmd;
  if (c.env.length > 0) {
    out.env = c.env.map((e) => {
      const at = e.indexOf('=');
      return { name: e.slice(0, at), value: e.slice(at + 1) };
    });
  }
  if (c.ports.length > 0) {
    out.ports = c.ports.map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      ...(p.hostIp ? { hostIP: p.hostIp } : {}),
      protocol: p.protocol.toUpperCase(),
    }));
  }
  if (c.volumes.length > 0) {
    out.volumeMounts = c.volumes.map((v) => ({
      name: volumes.get(v.source)!,
      mountPath: v.target,
      ...(v.readOnly ? { readOnly: true } : {}),
    }));
  }
  const security = securityContext(c, notes);
  if (security) out.securityContext = security;
  return out;
}

/** The Pod of one service; unikernel components are left out with a note. */
export function kubePod(s: ServiceSpec, notes: string[]): Record<string, YamlValue> {
  const components = dependencyOrder([s]).filter((c) => {
    const secrets = secretsNote(c);
    if (secrets) notes.push(secrets);
    const job = jobNote(c, 'kube');
    if (job) {
      notes.push(job);
      return false;
    }
    if (c.kind === 'container') return true;
    notes.push(unikernelNote(c, 'kube'));
    return false;
  });
  const volumes = new Map<string, string>();
  const taken = new Set<string>();
  for (const v of components.flatMap((c) => c.volumes)) {
    if (!volumes.has(v.source)) volumes.set(v.source, volumeName(v.source, taken));
  }
  const restart = components
    .map((c) => POD_RESTART[c.restart])
    .reduce((a, b) => (STRENGTH.indexOf(b) > STRENGTH.indexOf(a) ? b : a), 'Never');
  const spec: Record<string, YamlValue> = {
    restartPolicy: restart,
    containers: components.map((c) => container(c, volumes, notes)),
  };
  if (volumes.size > 0) {
    spec.volumes = [...volumes].map(([path, name]) => ({ name, hostPath: { path } }));
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      labels: { [LABEL.managed]: 'true', [LABEL.node]: s.node, [LABEL.service]: s.name },
    },
    spec,
  };
}

/** One YAML document per service, for `podman kube play FILE`; services without containers are left out. */
export function renderKube(services: readonly ServiceSpec[]): Rendered {
  const notes: string[] = [];
  const docs: string[] = [];
  for (const s of services) {
    if (!s.active) notes.push(inactiveNote(s, 'podman kube play'));
    const pod = kubePod(s, notes);
    if ((pod.spec as { containers: unknown[] }).containers.length === 0) {
      notes.push(`${s.name}: no container components, no pod rendered`);
      continue;
    }
    const networks = [...new Set(s.components.flatMap((c) => (c.network ? [c.network] : [])))];
    const hint = networks.length > 0 ? `# podman kube play --network ${networks.join(',')} FILE\n` : '';
    docs.push(hint + toYaml(pod));
  }
  return { text: docs.join('---\n'), notes };
}

/**
 * A docker-compose file (version 3.8, accepted by docker-compose 1.29 and podman-compose)
 * for services, for operators who want compose, and for benchmarking against it.
 */

import { dependencyOrder, serviceGraph } from '../domain/graph.js';
import { specHash } from '../domain/hash.js';
import { managedLabels } from '../domain/instance.js';
import type { ComponentSpec, ServiceSpec } from '../domain/spec.js';
import { instanceName } from '../domain/spec.js';
import {
  inactiveNote,
  jobNote,
  portText,
  type Rendered,
  secretsNote,
  unikernelNote,
  volumeText,
} from './common.js';
import { toYaml, type YamlValue } from './yaml.js';

/** Compose interpolates `$VAR` in every value; `$$` is a literal dollar. */
const literal = (s: string): string => s.replace(/\$/g, '$$$$');

const nonEmpty = (entries: [string, YamlValue | undefined][]): Record<string, YamlValue> =>
  Object.fromEntries(
    entries.filter(
      (e): e is [string, YamlValue] => e[1] !== undefined && !(Array.isArray(e[1]) && e[1].length === 0),
    ),
  );

/** One compose service for one container component. */
export function composeService(
  c: ComponentSpec,
  dependsOn: readonly string[],
  node?: string,
): Record<string, YamlValue> {
  return nonEmpty([
    ['container_name', instanceName(c)],
    ['image', literal(c.image)],
    ['command', c.cmd.map(literal)],
    ['environment', c.env.map(literal)],
    ['ports', c.ports.map(portText)],
    ['volumes', c.volumes.map((v) => literal(volumeText(v)))],
    ['networks', c.network ? [c.network] : undefined],
    ['restart', c.restart],
    ['user', c.user],
    ['init', true],
    ['labels', managedLabels(c, specHash(c), undefined, node)],
    ['depends_on', [...dependsOn]],
  ]);
}

/** The whole compose file: components in dependency order, networks created by compose. */
export function renderCompose(services: readonly ServiceSpec[]): Rendered {
  const notes: string[] = [];
  const comments: string[] = [];
  const deps = serviceGraph(services);
  const nodeOf = new Map(services.map((s) => [s.name, s.node]));
  const components = dependencyOrder(services);
  const containers = new Set(components.filter((c) => c.kind === 'container').map(instanceName));
  const entries: Record<string, YamlValue> = {};
  for (const c of components) {
    const name = instanceName(c);
    const job = jobNote(c, 'compose');
    if (job) {
      notes.push(job);
      comments.push(`# ${job}`);
      continue;
    }
    if (c.kind === 'unikernel') {
      notes.push(unikernelNote(c, 'compose'));
      comments.push(`# ${unikernelNote(c, 'compose')}`);
      continue;
    }
    const secrets = secretsNote(c);
    if (secrets) {
      notes.push(secrets);
      comments.push(`# ${secrets}`);
    }
    entries[name] = composeService(
      c,
      (deps.get(name) ?? []).filter((d) => containers.has(d)),
      nodeOf.get(c.service),
    );
  }
  for (const s of services.filter((x) => !x.active)) notes.push(inactiveNote(s, 'compose'));
  const known = new Set(services.map((s) => s.name));
  for (const s of services) {
    for (const d of s.dependsOn.filter((d) => !known.has(d))) {
      comments.push(`# ${s.name} depends on service ${d}, which is not in this file`);
    }
  }
  const networks = [
    ...new Set(components.flatMap((c) => (c.kind === 'container' && c.network ? [c.network] : []))),
  ];
  const doc: Record<string, YamlValue> = { version: '3.8', services: entries };
  if (networks.length > 0) doc.networks = Object.fromEntries(networks.sort().map((n) => [n, { name: n }]));
  return { text: [...comments, toYaml(doc)].join('\n'), notes };
}

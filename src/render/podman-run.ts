/**
 * The `podman run` commands that start services by hand, exactly as mcp-agent would create
 * them (same names, labels and options): the operator's way back when the agent is gone.
 */

import { dependencyOrder } from '../domain/graph.js';
import { specHash } from '../domain/hash.js';
import { managedLabels } from '../domain/instance.js';
import type { ComponentSpec, ServiceSpec } from '../domain/spec.js';
import { instanceName } from '../domain/spec.js';
import { jobNote, portText, type Rendered, secretsNote, unikernelNote, volumeText } from './common.js';
import { shellQuote } from './shell.js';

/** The argument vector of `podman run` (or `podman create` when the service is inactive). */
export function podmanRunArgs(c: ComponentSpec, active = true, node?: string): string[] {
  const name = instanceName(c);
  const args = active ? ['podman', 'run', '-d', '--name', name] : ['podman', 'create', '--name', name];
  for (const [key, value] of Object.entries(managedLabels(c, specHash(c), undefined, node)))
    args.push('--label', `${key}=${value}`);
  if (c.network) args.push('--network', c.network);
  if (c.user) args.push('--user', c.user);
  args.push('--restart', c.restart);
  for (const p of c.ports) args.push('-p', portText(p));
  for (const v of c.volumes) args.push('-v', volumeText(v));
  for (const e of c.env) args.push('-e', e);
  args.push('--init', c.image, ...c.cmd);
  return args;
}

const OPTION_WITH_VALUE = new Set(['--label', '--network', '--user', '--restart', '-p', '-v', '-e']);

/** One option per line with backslash continuations; image and command on the last line. */
export function formatCommand(args: readonly string[]): string {
  const head = args.indexOf('--name') + 2;
  const lines = [args.slice(0, head).map(shellQuote).join(' ')];
  let i = head;
  while (i < args.length && args[i].startsWith('-')) {
    const width = OPTION_WITH_VALUE.has(args[i]) ? 2 : 1;
    lines.push(
      `  ${args
        .slice(i, i + width)
        .map(shellQuote)
        .join(' ')}`,
    );
    i += width;
  }
  lines.push(`  ${args.slice(i).map(shellQuote).join(' ')}`);
  return lines.join(' \\\n');
}

const routeComments = (c: ComponentSpec): string[] =>
  c.routes.map(
    (r) =>
      `# route ${r.name} (${r.mode}) to port ${r.port}: mcp-agent publishes it on a host port it ` +
      `allocates, exposed as $PORT_${r.name.toUpperCase().replace(/-/g, '_')}; not part of this command`,
  );

/** A shell script: networks first, then every component in dependency order. */
export function renderPodmanRun(services: readonly ServiceSpec[]): Rendered {
  const active = new Map(services.map((s) => [s.name, s.active]));
  const nodeOf = new Map(services.map((s) => [s.name, s.node]));
  const notes: string[] = [];
  const blocks: string[] = [];
  const components = dependencyOrder(services);
  const networks = [
    ...new Set(components.flatMap((c) => (c.kind === 'container' && c.network ? [c.network] : []))),
  ];
  if (networks.length > 0) {
    blocks.push(
      networks
        .sort()
        .map((n) => `podman network create --ignore ${shellQuote(n)}`)
        .join('\n'),
    );
  }
  for (const c of components) {
    const job = jobNote(c, 'this script');
    if (job) {
      notes.push(job);
      blocks.push(`# ${job}`);
      continue;
    }
    if (c.kind === 'unikernel') {
      notes.push(unikernelNote(c, 'podman'));
      blocks.push(`# ${unikernelNote(c, 'podman')}`);
      continue;
    }
    const isActive = active.get(c.service) !== false;
    const secrets = secretsNote(c);
    if (secrets) notes.push(secrets);
    const comments = [
      ...(isActive ? [] : [`# ${c.service} is inactive: created, not started`]),
      ...routeComments(c),
      ...(secrets ? [`# ${secrets}`] : []),
    ];
    blocks.push([...comments, formatCommand(podmanRunArgs(c, isActive, nodeOf.get(c.service)))].join('\n'));
  }
  return { text: `${blocks.join('\n\n')}\n`, notes };
}

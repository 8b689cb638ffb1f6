/**
 * `mcp render`: services of a services directory as `podman run` commands, a compose file or
 * kube manifests, so an operator can start them without the agent or move them elsewhere.
 */
import { resolve } from 'node:path';
import { loadRevisionFromDir } from '../../adapters/dir/load.js';
import { McpError } from '../../domain/errors.js';
import type { ServiceSpec } from '../../domain/spec.js';
import { formatSpecError } from '../../domain/spec-error.js';
import type { Rendered } from '../../render/common.js';
import { renderCompose } from '../../render/compose.js';
import { renderKube } from '../../render/kube.js';
import { renderPodmanRun } from '../../render/podman-run.js';
import { oneOf, parseCommandArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { uncheckedLines, uncheckedOf } from '../unchecked.js';

const FORMATS = ['podman-run', 'compose', 'kube'] as const;
type Format = (typeof FORMATS)[number];

const RENDERERS: Record<Format, (services: readonly ServiceSpec[]) => Rendered> = {
  'podman-run': renderPodmanRun,
  compose: renderCompose,
  kube: renderKube,
};

/** Usage of `mcp render`. */
export const help = `usage: mcp render SERVICE... [--node NAME] [--repo DIR] [--format podman-run|compose|kube]
       mcp render --all [--node NAME] [--repo DIR] [--format ...]

Prints what starts the named services without mcp-agent, from their definitions in the
services directory DIR (DIR/services/*.toml, or DIR/*.toml):
  podman-run  the exact podman commands the agent's containers correspond to: networks
              first, then components in dependency order (default)
  compose     a docker-compose file (version 3.8); one compose service per component
  kube        one Pod manifest per service for \`podman kube play\`
Unikernel components cannot be expressed in these formats: they are left out with a
note on stderr. --all renders every active service (of --node when given). Variables take
the repository's values (nodes/<node>.toml); a service file for several nodes needs --node.

exit codes: 0 rendered, 1 invalid services directory, 66 unknown service or node,
64 bad usage.`;

const OPTIONS = {
  repo: { type: 'string' },
  format: { type: 'string', default: 'podman-run' },
  all: { type: 'boolean', default: false },
  node: { type: 'string' },
} as const;

function select(
  all: readonly ServiceSpec[],
  names: string[],
  everything: boolean,
  node?: string,
): ServiceSpec[] {
  const nodes = [...new Set(all.map((s) => s.node))].sort();
  if (node !== undefined && !nodes.includes(node)) {
    throw new McpError('NOT_FOUND', `no service runs on node ${node}`, {
      hint: `nodes: ${nodes.join(', ')}`,
    });
  }
  const mine = all.filter((s) => node === undefined || s.node === node);
  const chosen = everything ? mine.filter((s) => s.active) : mine.filter((s) => names.includes(s.name));
  // A file for several nodes is one copy per node, each resolved with that node's variables.
  const copies = chosen.find((s) => chosen.some((o) => o !== s && o.name === s.name));
  if (copies)
    throw new McpError('USAGE', `${copies.name} runs on several nodes: give --node`, {
      hint: `nodes: ${chosen
        .filter((s) => s.name === copies.name)
        .map((s) => s.node)
        .join(', ')}`,
    });
  if (everything) return chosen;
  const byName = new Map(mine.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new McpError('NOT_FOUND', `unknown service ${unknown.join(', ')}`, {
      hint: `services: ${[...byName.keys()].join(', ') || '(none)'}`,
    });
  }
  return [...new Set(names)].map((n) => byName.get(n)!);
}

/** Runs `mcp render`; output on stdout, notes about left-out parts on stderr. */
export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help);
  const format = oneOf(values.format as string, FORMATS, '--format', help);
  const everything = values.all === true;
  if (everything === positionals.length > 0) {
    throw new McpError(
      'USAGE',
      everything ? '--all takes no service names' : 'name a service, or use --all',
      {
        usage: help,
      },
    );
  }
  const dir = resolve(ctx.cwd, typeof values.repo === 'string' ? values.repo : '.');
  const loaded = await loadRevisionFromDir(dir);
  if (!loaded.ok) {
    ctx.err([`mcp: ${dir} is invalid:`, ...loaded.errors.map((e) => `  ${formatSpecError(e)}`)].join('\n'));
    return EXIT.invalid;
  }
  const services = select(
    loaded.revision.services,
    positionals,
    everything,
    values.node as string | undefined,
  );
  const rendered = RENDERERS[format](services);
  for (const line of uncheckedLines(uncheckedOf(loaded.unchecked, values.node as string | undefined)))
    ctx.err(`note: not rendered: ${line}`);
  ctx.out(rendered.text);
  for (const note of rendered.notes) ctx.err(`note: ${note}`);
  return EXIT.ok;
}

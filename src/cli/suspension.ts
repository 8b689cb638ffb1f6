/**
 * What `mcp suspend` and `mcp resume` share: which node and scope a name means (a node of
 * mcp.toml is the whole node; any other name a service, found on the node whose agent runs
 * it), the request to that node's agent, and the one line that tells the operator.
 */
import { describeSuspension, type Suspension, suspensionSubject } from '../domain/suspension.js';
import type { ServicesAnswer, SuspendAnswer } from '../wire/api.js';
import { askNodes, type NodeAnswer } from './agent-client.js';
import { parseCommandArgs } from './args.js';
import { loadCliConfigFor, type Node, readToken, selectNodes } from './config.js';
import type { CliContext } from './context.js';
import { nodeOf } from './files.js';

export const SUSPEND_OPTIONS = {
  config: { type: 'string', short: 'c' },
  node: { type: 'string' },
  reason: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** The node a suspend or resume goes to, and the service it is about (none: the whole node). */
interface Target {
  node: Node;
  service?: string;
  token?: string;
  json: boolean;
  reason: string;
  /** The parsed flags, with the command's own. */
  flags: Record<string, unknown>;
}

/**
 * NAME is the whole node when it names a node of mcp.toml and --node is not given; else a
 * service: on --node, else on the node whose agent reports it, else where the services clone
 * puts it (or the only node).
 */
export const targetOf = async (
  args: string[],
  ctx: CliContext,
  help: string,
  own: Record<string, { type: 'boolean'; default: boolean }> = {},
): Promise<Target> => {
  const { values, positionals } = parseCommandArgs(args, { ...SUSPEND_OPTIONS, ...own }, help, {
    min: 1,
    max: 1,
  });
  const name = positionals[0];
  const config = await loadCliConfigFor(ctx, values.config);
  const token = await readToken(config, ctx);
  const common = {
    token,
    json: values.json === true,
    reason: (values.reason as string | undefined) ?? '',
    flags: values,
  };
  const asNode = values.node === undefined && (config.nodes ?? []).some((n) => n.name === name);
  if (asNode) return { node: selectNodes(config, [name])[0], ...common };
  if (typeof values.node === 'string')
    return { node: selectNodes(config, [values.node])[0], service: name, ...common };
  const answers = await askNodes<ServicesAnswer>(selectNodes(config, []), '/v1/services', { token });
  const holder = answers.find((a) => a.ok && a.body.services.some((s) => s.name === name));
  return { node: holder?.node ?? (await nodeOf(config, name, undefined, ctx)), service: name, ...common };
};

/** Asks the target's agent to suspend or resume; with `wait`, until the pass that follows has ended. */
export const askSuspension = (
  t: Target,
  what: 'suspend' | 'resume',
  wait: boolean,
): Promise<NodeAnswer<SuspendAnswer>[]> => {
  const body = JSON.stringify({
    ...(t.service && { service: t.service }),
    ...(t.reason && { reason: t.reason }),
  });
  return askNodes<SuspendAnswer>([t.node], `/v1/${what}${wait ? '?wait=true' : ''}`, {
    method: 'POST',
    token: t.token,
    timeoutMs: 600_000,
    body: new TextEncoder().encode(body) as Uint8Array<ArrayBuffer>,
  });
};

/** "rift: service wiki suspended since ... by ops: why". */
export const suspensionLine = (node: string, s: Suspension): string =>
  `${node}: ${suspensionSubject(s)} ${describeSuspension(s)}`;

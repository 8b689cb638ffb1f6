/**
 * What `mcp service show` and `export` ask a node: the spec of one service in the agent's
 * last good revision (GET /v1/spec), and the field-level difference from the clone's file.
 */
import { resolve } from 'node:path';
import { loadRevisionFromDir } from '../adapters/dir/load.js';
import { diffSpecs } from '../domain/diff.js';
import { McpError } from '../domain/errors.js';
import { canonicalJson } from '../domain/hash.js';
import type { ServiceSpec } from '../domain/spec.js';
import type { CliConfig } from '../generated/cli.js';
import { askNodes } from './agent-client.js';
import { readToken } from './config.js';
import type { CliContext } from './context.js';
import { nodeOf } from './files.js';

export interface InForce {
  node: string;
  revision: string | null;
  spec: ServiceSpec;
}

/** Asks the service's node for the spec it has in force; the node's error when it cannot. */
export const fetchInForce = async (
  config: CliConfig,
  service: string,
  nodeFlag: unknown,
  ctx: CliContext,
): Promise<InForce> => {
  const node = await nodeOf(config, service, nodeFlag, ctx);
  const [answer] = await askNodes<InForce>([node], `/v1/spec?service=${encodeURIComponent(service)}`, {
    token: await readToken(config, ctx),
  });
  if (!answer.ok) throw answer.error;
  return { ...answer.body, node: node.name };
};

/** One line per difference: `field: in force -> in the clone`. */
export const specDifferences = (inForce: ServiceSpec, clone: ServiceSpec): string[] => {
  const lines: string[] = [];
  const show = (v: unknown) => (v === null || v === undefined ? '(none)' : JSON.stringify(v));
  for (const field of ['node', 'active', 'dependsOn'] as const)
    if (canonicalJson(inForce[field]) !== canonicalJson(clone[field]))
      lines.push(`${field}: ${show(inForce[field])} -> ${show(clone[field])}`);
  const names = [...new Set([...inForce.components, ...clone.components].map((c) => c.name))];
  for (const name of names) {
    const a = inForce.components.find((c) => c.name === name);
    const b = clone.components.find((c) => c.name === name);
    if (!a) lines.push(`components.${name}: only in the clone`);
    else if (!b) lines.push(`components.${name}: only in force`);
    else
      for (const d of diffSpecs(a, b))
        lines.push(`components.${name}.${d.field}: ${show(d.from)} -> ${show(d.to)}`);
  }
  return lines;
};

/**
 * The clone's spec of `service` on `node` (services.dir), resolved with the repository's
 * variables; undefined when there is no clone, no such file, or it needs a variable only
 * the node's agent knows.
 */
export const cloneSpec = async (
  config: CliConfig,
  service: string,
  node: string,
  ctx: CliContext,
): Promise<{ spec?: ServiceSpec; note?: string }> => {
  if (!config.services?.dir) return { note: 'no services.dir in mcp.toml: not compared with a clone' };
  const loaded = await loadRevisionFromDir(resolve(ctx.cwd, config.services.dir));
  if (!loaded.ok) return { note: `the clone ${config.services.dir} is invalid (mcp validate): not compared` };
  const spec = loaded.revision.services.find((s) => s.name === service && s.node === node);
  if (spec) return { spec };
  const unknown = loaded.unchecked?.find((u) => u.service === service && u.node === node);
  if (unknown)
    return {
      note: `${service} needs ${unknown.vars.map((v) => v.name).join(', ')}, known only to ${node}'s agent: not compared`,
    };
  const elsewhere = loaded.revision.services.find((s) => s.name === service);
  return elsewhere ? { spec: elsewhere } : { note: `${service} is not in the clone ${config.services.dir}` };
};

/** NOT_FOUND for a service name that cannot be one (a path, an empty string). */
export const checkServiceName = (name: string, usage: string): void => {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
    throw new McpError('USAGE', `'${name}' is not a service name`, { usage });
};

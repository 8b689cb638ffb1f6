/**
 * Which values a node's service files are resolved with: the repository's `nodes/<node>.toml`
 * `[vars]`, and the agent's own `[vars]` where the node's agent does the loading. The
 * repository's value wins, unless the agent marks its variable `local`.
 */
import type { ValidateFunction } from 'ajv';
import type { AgentConfig } from '../generated/agent.js';
import type { NodeFile } from '../generated/node.js';
import compiled from '../generated/node.validate.js';
import { fileTooLarge, tooDeep } from './limits.js';
import { locator } from './locate.js';
import { describeAll } from './messages.js';
import { parseToml } from './parse.js';
import { formatPath } from './paths.js';
import type { SourceFile, SpecError } from './types.js';

const validate = compiled as unknown as ValidateFunction<NodeFile>;

/** The agent config's `[vars]`: a plain value, or `{ value, local = true }` to win over the repository. */
export type AgentVars = NonNullable<AgentConfig['vars']>;

/** Where a loader stands: the node whose agent it runs in, and that agent's own variables. */
export interface VarsView {
  node: string;
  vars: AgentVars;
}

/** The repository's variables per node, from `nodes/<node>.toml`. */
export type RepoVars = ReadonlyMap<string, Readonly<Record<string, string>>>;

const NODE_FILE = /^nodes\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)\.toml$/;

/** The node a `nodes/*.toml` path is about, or undefined when its name is no node name. */
export const nodeOfFile = (path: string): string | undefined => NODE_FILE.exec(path)?.[1];

/** Every node file's `[vars]`, or the located errors of those that are invalid. */
export function parseNodeFiles(files: readonly SourceFile[]): { vars: RepoVars; errors: SpecError[] } {
  const vars = new Map<string, Record<string, string>>();
  const errors: SpecError[] = [];
  for (const { path, text } of files) {
    const node = nodeOfFile(path);
    if (node === undefined) {
      errors.push({
        file: path,
        path: '',
        message: 'a node file is named after its node: nodes/<node>.toml',
      });
      continue;
    }
    const limited = fileTooLarge(path, Buffer.byteLength(text)) ?? tooDeep(path, text);
    if (limited) {
      errors.push(limited);
      continue;
    }
    const parsed = parseToml(path, text);
    if (!parsed.ok) {
      errors.push(parsed.error);
      continue;
    }
    if (!validate(parsed.value)) {
      const at = locator(text);
      for (const p of describeAll(validate.errors ?? [])) {
        errors.push({
          file: path,
          ...at(p.path),
          path: formatPath(p.path),
          message: p.message,
          ...(p.hint && { hint: p.hint }),
        });
      }
      continue;
    }
    vars.set(node, { ...(parsed.value.vars ?? {}) });
  }
  return { vars, errors };
}

/**
 * The values `node`'s files are resolved with. `view`: the agent doing the loading; its
 * variables count only for its own node, under the repository's unless marked local.
 */
export function nodeVars(node: string, repo: RepoVars, view?: VarsView): Map<string, string> {
  const values = new Map<string, string>();
  const own = view?.node === node ? Object.entries(view.vars) : [];
  for (const [name, v] of own) values.set(name, typeof v === 'string' ? v : v.value);
  for (const [name, v] of Object.entries(repo.get(node) ?? {})) {
    const mine = own.find(([n]) => n === name)?.[1];
    if (typeof mine === 'object' && mine.local === true) continue;
    values.set(name, v);
  }
  return values;
}

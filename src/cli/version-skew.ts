/**
 * Agents of one fleet running different versions (an upgrade half done, a node forgotten):
 * `mcp status` says so, with which node runs which, so nobody reads one node's behaviour
 * as another's.
 */
import type { StatusAnswer } from '../wire/api.js';
import type { NodeAnswer } from './agent-client.js';

/** What an agent that does not report its version is shown as. */
const UNKNOWN = 'unknown (before 0.1.0)';

/** The warning when the answering agents report more than one version, else undefined. */
export const versionSkew = (answers: readonly NodeAnswer<StatusAnswer>[]): string | undefined => {
  const byVersion = new Map<string, string[]>();
  for (const a of answers) {
    if (!a.ok) continue;
    const version = a.body.version ?? UNKNOWN;
    byVersion.set(version, [...(byVersion.get(version) ?? []), a.node.name]);
  }
  if (byVersion.size < 2) return undefined;
  const groups = [...byVersion].map(([version, nodes]) => `${version} on ${nodes.join(', ')}`);
  return `warning: the agents run different versions: ${groups.join('; ')}`;
};

/**
 * What `mcp validate` and `mcp plan` could not check: service files that use variables only
 * a node's agent knows (its [vars], or values the repository does not give), one line each.
 */
import type { UncheckedFile } from '../domain/spec-error.js';

/** `services/web.toml on rift: not checked here: var.db_host (7:3 components[0].env[1]) is known only to rift's agent`. */
export const uncheckedLines = (unchecked: readonly UncheckedFile[]): string[] =>
  unchecked.map((u) => {
    const names = [...new Set(u.vars.map((v) => v.name))];
    const where = u.vars.map((v) => `${v.name} at ${v.line}:${v.column} ${v.path}`).join(', ');
    return (
      `${u.file} on ${u.node}: not checked here: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} ` +
      `in neither nodes/${u.node}.toml nor a default, so only ${u.node}'s agent knows ${names.length === 1 ? 'it' : 'them'} (${where})`
    );
  });

/** Only those of `node`, when given. */
export const uncheckedOf = (
  unchecked: readonly UncheckedFile[] | undefined,
  node?: string,
): UncheckedFile[] => (unchecked ?? []).filter((u) => node === undefined || u.node === node);

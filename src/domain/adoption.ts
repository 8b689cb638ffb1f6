/**
 * `mcp adopt` in the planner: an unmanaged container holding a desired name is taken over as
 * it runs when it already is what the spec asks for, and replaced from the spec when not.
 */
import { canonicalJson } from './hash.js';
import type { RunningConfig } from './observed.js';
import type { FieldChange } from './plan-types.js';
import type { ComponentSpec } from './spec.js';

const sortedJson = (values: readonly unknown[]): string => canonicalJson(values.map(canonicalJson).sort());

/**
 * The fields in which what runs differs from `spec` (image id, ports, volumes, env, cmd, user,
 * network; routes need ports MCP allocates, so a spec with routes always differs). Empty: the
 * container can be kept as it is. `imageId`: the local id of the spec's image.
 */
export function adoptionChanges(
  spec: ComponentSpec,
  running: RunningConfig,
  imageId: string | undefined,
): FieldChange[] {
  const changes: FieldChange[] = [];
  const compare = (field: string, from: unknown, to: unknown, equal: boolean): void => {
    if (!equal) changes.push({ field, from, to });
  };
  if (spec.kind !== 'container') compare('kind', 'container', spec.kind, false);
  compare('image-id', running.imageId ?? null, imageId ?? null, !!imageId && running.imageId === imageId);
  compare('ports', running.ports, spec.ports, sortedJson(running.ports) === sortedJson(spec.ports));
  compare('volumes', running.volumes, spec.volumes, sortedJson(running.volumes) === sortedJson(spec.volumes));
  compare('env', running.env, spec.env, sortedJson(running.env) === sortedJson(spec.env));
  compare('cmd', running.cmd, spec.cmd, canonicalJson(running.cmd) === canonicalJson(spec.cmd));
  compare('user', running.user ?? null, spec.user ?? null, (running.user || undefined) === spec.user);
  compare('network', running.network ?? null, spec.network ?? null, running.network === spec.network);
  if (spec.routes.length > 0) compare('routes', [], spec.routes, false);
  return changes;
}

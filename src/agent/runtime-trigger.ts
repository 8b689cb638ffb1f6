/** Which runtime events call for a pass: drift of MCP's instances, never the agent's own doing. */
import type { RuntimeEvent } from '../ports/instance-runtime.js';

/**
 * The reason for a pass that `event` gives, or undefined when it gives none: an instance of
 * this node (`mine`) died or vanished, or the runtime's view was rebuilt. The stops and
 * removes the agent made itself (`own`) were planned by the pass that made them, an event told
 * late (`stale`) is of an instance already replaced, and another node's instances on a shared
 * runtime are none of this agent's business: they give none.
 */
export const passReasonOf = (event: RuntimeEvent, mine: (name: string) => boolean): string | undefined => {
  if (event.type === 'resync') return `runtime resync ${event.name}`;
  if (event.own || event.stale) return undefined;
  if (event.type !== 'die' && event.type !== 'remove') return undefined;
  // Unlabelled is asked too: an adopted container keeps the labels it was made with (none).
  return mine(event.name) ? `runtime ${event.type} ${event.name}` : undefined;
};

/**
 * Whether `event` is about an instance of `node`: its node label says so at once; only an
 * instance made before that label is looked up (`known`: the inventory, the last good revision).
 */
export const ofNode = (event: RuntimeEvent, node: string, known: (name: string) => boolean): boolean =>
  event.node !== undefined ? event.node === node : known(event.name);

/**
 * What `event` tells the health board: a managed instance died on its own (counted towards a
 * crash loop; the board then wakes a pass when the back-off ends, instead of a pass per death),
 * or started again (its health starts afresh). Undefined for the agent's own stops and removes,
 * and for a death told after its instance was gone (removed, maybe made again under its name).
 */
export const healthSignalOf = (event: RuntimeEvent): 'died' | 'started' | undefined => {
  if (!event.managed || event.own || event.stale) return undefined;
  if (event.type === 'die' && event.hash) return 'died';
  if (event.type === 'start') return 'started';
  return undefined;
};

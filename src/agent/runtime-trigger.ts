/** Which runtime events call for a pass: drift of MCP's instances, never the agent's own doing. */
import type { RuntimeEvent } from '../ports/instance-runtime.js';

/**
 * The reason for a pass that `event` gives, or undefined when it gives none: a managed
 * instance died or vanished, or the runtime's view was rebuilt. The stops and removes the
 * agent made itself (`own`) were planned by the pass that made them, so they give none.
 */
export const passReasonOf = (event: RuntimeEvent): string | undefined => {
  if (!event.managed || event.own) return undefined;
  if (event.type !== 'die' && event.type !== 'remove' && event.type !== 'resync') return undefined;
  return `runtime ${event.type} ${event.name}`;
};

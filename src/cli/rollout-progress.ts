/**
 * What `mcp deploy` shows while it waits for a node's pass at a commit to be settled
 * (domain/pass.ts): on a terminal, one line per component of the deployed services each time
 * its phase (pulling, creating, starting, stopping, removing), state or health changes; at
 * the end, each rolled-back component by name.
 */
import type { PassStatus, ServicesAnswer } from '../wire/api.js';

/**
 * Lines for the components of `services` whose phase, state or health changed since `seen`
 * (updated in place): "rift: wiki-main creating", then "rift: wiki-main running, starting".
 */
export const progressLines = (
  node: string,
  answer: ServicesAnswer,
  services: ReadonlySet<string>,
  seen: Map<string, string>,
): string[] => {
  const lines: string[] = [];
  for (const s of answer.services) {
    if (!services.has(s.name)) continue;
    for (const c of s.components) {
      // A phase in progress says more than the state it is changing; the last pass's note is about before.
      const phase = c.activity?.phase;
      const now = phase ?? (c.health === 'none' ? c.state : `${c.state}, ${c.health}`);
      if (seen.get(c.instance) === now) continue;
      seen.set(c.instance, now);
      // A note that only repeats the health ("starting") adds nothing.
      const note = !phase && c.healthNote && c.healthNote !== c.health ? ` (${c.healthNote})` : '';
      lines.push(`${node}: ${c.instance} ${now}${note}`);
    }
  }
  return lines;
};

/** Why the pass did not converge, as the agent said: "rift: wiki-main IMAGE_UNAVAILABLE: ...", at most `max`. */
export const errorLines = (node: string, pass: PassStatus, max = 5): string[] => {
  const lines = pass.errors.map((e) => `${node}: ${e.name ? `${e.name} ` : ''}${e.code}: ${e.message}`);
  return lines.length <= max
    ? lines
    : [...lines.slice(0, max), `${node}: ... and ${lines.length - max} more`];
};

/**
 * "rift: wiki-main rolled back: main ... unhealthy after 120 s; running ..." for each rolled-back
 * instance of the pass. The reason may itself start "rolled back: " (the pass that recreated the
 * old spec says so); it is not said twice.
 */
export const rollbackLines = (node: string, pass: PassStatus): string[] =>
  (pass.unhealthy ?? [])
    .filter((u) => u.state === 'rolled-back')
    .map((u) => {
      const reason = u.reason?.replace(/^rolled back: /, '');
      return `${node}: ${u.name} rolled back${reason ? `: ${reason}` : ''}`;
    });

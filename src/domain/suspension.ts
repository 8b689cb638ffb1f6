/**
 * Suspension: an operator's "hands off" for a whole node or one service (`mcp suspend`). While
 * suspended, no pass acts on it (no create, recreate, start, stop, remove, adopt, heal,
 * restart or rollback), but the pass still observes and plans it, so drift and the changes a
 * new commit asks for are reported as held. Kept in the registry, lifted only by `mcp resume`.
 */
import type { ActionResult } from './outcome.js';
import type { Problem } from './pass.js';
import type { Action } from './plan-types.js';

/** What is suspended: the whole node, or one service of it. */
export type SuspensionScope = 'node' | 'service';

/** One suspension: its scope and target (the node's or the service's name), since when, by which token, why. */
export interface Suspension {
  scope: SuspensionScope;
  target: string;
  since: string;
  by: string;
  reason: string;
}

/** "suspended since 2026-12-04T06:00:00.000Z by ops: db migration": the one wording of every surface. */
export const describeSuspension = (s: Suspension): string =>
  `suspended since ${s.since} by ${s.by}${s.reason ? `: ${s.reason}` : ''}`;

/** "node rift" or "service web": what a suspension is about, for messages. */
export const suspensionSubject = (s: Pick<Suspension, 'scope' | 'target'>): string =>
  `${s.scope} ${s.target}`;

/** The suspension that covers `service`: the node's first (it covers everything), else the service's own. */
export const suspensionOf = (list: readonly Suspension[], service: string): Suspension | undefined =>
  list.find((s) => s.scope === 'node') ?? list.find((s) => s.scope === 'service' && s.target === service);

/**
 * The suspension that holds `action`, if any: every action that would change the runtime.
 * An `unchanged` action is held only when health wants to act on it (a restart of an
 * unhealthy instance, the stop of a crash loop); a `conflict` is a report, never held.
 */
export const heldBy = (
  action: Pick<Action, 'kind' | 'service'>,
  list: readonly Suspension[],
  healthActs = false,
): Suspension | undefined => {
  if (list.length === 0 || action.kind === 'conflict') return undefined;
  if (action.kind === 'unchanged' && !healthActs) return undefined;
  return suspensionOf(list, action.service);
};

/** The reason a held action's result carries: the suspension, and what it keeps from happening. */
export const heldReason = (s: Suspension, action: Pick<Action, 'kind' | 'reason'>, health?: string): string =>
  `${describeSuspension(s)} (held: ${action.kind === 'unchanged' ? (health ?? 'a health action') : `${action.kind}, ${action.reason}`})`;

/**
 * One SUSPENDED problem per suspension that held something in a pass, naming what it held
 * ("recreate web-main, create web-db (drift)"): the pass is degraded, not converged, and its
 * status says why and since when.
 */
export const suspensionProblems = (
  list: readonly Suspension[],
  results: readonly ActionResult[],
): Problem[] =>
  list.flatMap((s) => {
    const held = results.filter((r) => r.held && suspensionOf(list, r.service) === s);
    if (held.length === 0) return [];
    const what = held.map((r) => `${r.action} ${r.name}${r.drift ? ' (drift)' : ''}`).join(', ');
    return [
      {
        code: 'SUSPENDED' as const,
        message: `${suspensionSubject(s)} ${describeSuspension(s)}; holds ${what} until mcp resume`,
        ...(s.scope === 'service' ? { name: s.target } : {}),
      },
    ];
  });

/**
 * The gate a pass asks before each action when something is suspended: an action on a
 * suspended node or service is skipped as held (whatever health would have said), and every
 * other action gets health's say as before.
 */
import type { Action } from '../domain/plan-types.js';
import { heldBy, heldReason, type Suspension } from '../domain/suspension.js';
import type { GateDecision } from './health/index.js';

type Gate = (action: Action) => GateDecision | undefined;

/** `health` with `suspensions` in front of it; `health` itself when nothing is suspended. */
export const suspensionGate = (suspensions: readonly Suspension[], health?: Gate): Gate | undefined => {
  if (suspensions.length === 0) return health;
  return (action) => {
    const decision = health?.(action);
    const acts = decision !== undefined && decision.kind !== 'skip';
    const by = heldBy(action, suspensions, acts);
    if (!by) return decision;
    return { kind: 'skip', reason: heldReason(by, action, decision?.reason), waiting: false, held: true };
  };
};

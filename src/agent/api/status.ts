/** The body of GET /v1/status (wire/api.ts StatusAnswer), from the registry. */
import type { SeenRevision, StateStore } from '../../ports/state-store.js';
import type { StatusAnswer } from '../../wire/api.js';

export const statusBody = (node: string, source: string, store: StateStore): StatusAnswer => {
  const stored = store.appliedStatus();
  const applied = stored ? { commit: stored.commit, at: stored.at, result: stored.result } : null;
  const applying = store.applying() ?? null;
  return {
    node,
    source,
    revision: applied?.commit ?? null,
    applied,
    applying,
    newest: newestFate(store.seen(), applying),
    lastPass: store.lastPass() ?? null,
    suspensions: store.suspensions(),
  };
};

/** A newest revision not yet applied (pending) is applying while a pass is on it. */
const newestFate = (
  seen: SeenRevision | undefined,
  applying: StatusAnswer['applying'],
): SeenRevision | null => {
  if (!seen) return null;
  const onIt = applying && applying.commit === seen.commit && seen.fate === 'pending';
  return onIt ? { ...seen, fate: 'applying' } : seen;
};

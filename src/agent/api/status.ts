/**
 * The body of GET /v1/status: three revisions kept apart so a reader never takes "seen" for
 * "done": the one the last finished pass applied, the one a pass is applying now (and since
 * when), and the newest the source returned with its fate.
 */
import type { AccelChoice } from '../../ports/accelerator.js';
import type { AppliedRevision, PassStatus, SeenRevision, StateStore } from '../../ports/state-store.js';

/** The answer of GET /v1/status. `revision` is the applied commit. */
export interface StatusBody {
  node: string;
  source: string;
  revision: string | null;
  applied: AppliedRevision | null;
  applying: { commit: string | null; since: string } | null;
  newest: SeenRevision | null;
  lastPass: PassStatus | null;
  /** The VMs' accelerator and why; `probing` while the start-up probe runs. */
  vm?: AccelChoice | { probing: true };
}

export const statusBody = (node: string, source: string, store: StateStore): StatusBody => {
  const stored = store.applied();
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
  };
};

/** A newest revision not yet applied (pending) is applying while a pass is on it. */
const newestFate = (
  seen: SeenRevision | undefined,
  applying: StatusBody['applying'],
): SeenRevision | null => {
  if (!seen) return null;
  const onIt = applying && applying.commit === seen.commit && seen.fate === 'pending';
  return onIt ? { ...seen, fate: 'applying' } : seen;
};

/**
 * What a reconcile pass leaves behind for operators: how it ended, and the events it recorded.
 * Stored by the registry, served by the API, read by the CLI: one shape for all three. Also
 * the revisions a node's status tells apart: applied, applying, and the newest seen.
 */
import type { ErrorCode } from './errors.js';
import type { Outcome } from './outcome.js';

/** converged: all done; degraded: something failed, conflicted or was skipped; failed: nothing could be applied. */
export type PassResult = 'converged' | 'degraded' | 'failed';

/** How one pass ended, for `mcp status` and the API. */
export interface PassStatus {
  at: string;
  revision?: string;
  result: PassResult;
  summary: string;
  durationMs: number;
  /** Instances per outcome; all zero when the pass could not plan. */
  counts: Record<Outcome, number>;
  errors: Problem[];
  /** Probed instances that are not healthy, restarting ones, and rolled-back ones: why the pass is not converged. */
  unhealthy?: NotHealthy[];
}

/** One instance that keeps a pass from converging although nothing failed. */
export interface NotHealthy {
  name: string;
  state: 'starting' | 'unhealthy' | 'restarting' | 'crash-looping' | 'rolled-back';
  reason?: string;
  /** Its start_timeout still runs: the agent judges it again by itself (healthy, or rolled back). */
  pending?: boolean;
}

/**
 * True when a pass will not end otherwise by waiting: converged, or nothing still starting,
 * restarting, or within its start_timeout (it may yet turn healthy or be rolled back).
 * `mcp deploy` stops waiting there, and so does `mcp-agent reconcile --once`.
 */
export const settled = (pass: Pick<PassStatus, 'result' | 'unhealthy'>): boolean =>
  pass.result !== 'degraded' ||
  !(pass.unhealthy ?? []).some((u) => u.state === 'starting' || u.state === 'restarting' || u.pending);

/** Events of health: a transition of an instance's state, a rollback, a crash loop given up on. */
export type HealthEventKind = 'starting' | 'healthy' | 'unhealthy' | 'rolled-back' | 'crash-looping';

/**
 * What an event records: an outcome of the fixed vocabulary; an operator's release of a held
 * revision (`override`) or restart (`restarted`); the registry started afresh (`registry`); a
 * revision rejected (`rejected`: invalid, against the policy, or not signed as required); a
 * health event.
 */
export type EventKind = Outcome | 'override' | 'restarted' | 'registry' | 'rejected' | HealthEventKind;

/** One line of the event log: something found or done, in the fixed outcome vocabulary. */
export interface EventRecord {
  at: string;
  kind: EventKind;
  name?: string;
  message: string;
  data?: Record<string, unknown>;
}

/** One reason a pass or a revision did not simply converge: a stable code and one line. */
export interface Problem {
  code: ErrorCode;
  message: string;
  name?: string;
}

/** The revision the last finished pass applied: its commit, when it was first applied, how that pass ended. */
export interface AppliedRevision {
  commit: string | null;
  at: string;
  result: PassStatus['result'];
}

/** A pass in progress: the commit it works towards and since when. Never persisted. */
export interface ApplyingRevision {
  commit: string | null;
  since: string;
}

/**
 * What became of the newest revision the source returned: applied; applying (a pass is on
 * it); pending (a pass could not apply it, see the last pass's errors); rejected (invalid,
 * `errors` locates every fault); held (it removes most of the node's services and waits for
 * an override; `wouldRemove` lists the instances it removes).
 */
export type RevisionFate = 'applied' | 'applying' | 'pending' | 'rejected' | 'held';

/** The newest revision seen, first seen at `at`, and its fate. */
export interface SeenRevision {
  commit: string | null;
  at: string;
  fate: RevisionFate;
  errors: Problem[];
  wouldRemove: string[];
}

/**
 * What a reconcile pass leaves behind for operators: how it ended, and the events it recorded.
 * Stored by the registry, served by the API, read by the CLI: one shape for all three. Also
 * the revisions a node's status tells apart: applied, applying, and the newest seen.
 */
import type { ErrorCode } from './errors.js';
import type { Outcome } from './outcome.js';

/**
 * converged: all done and healthy; progressing: nothing wrong, only waiting (see passResult);
 * degraded: something is wrong; failed: nothing could be planned.
 */
export type PassResult = 'converged' | 'progressing' | 'degraded' | 'failed';

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
 * True when a pass will not end otherwise by waiting: converged or failed, or degraded with
 * nothing still starting, restarting, or within its start_timeout (it may yet turn healthy or
 * be rolled back); never while progressing.
 * `mcp deploy` stops waiting there, and so does `mcp-agent reconcile --once`.
 */
export const settled = (pass: Pick<PassStatus, 'result' | 'unhealthy'>): boolean =>
  pass.result === 'converged' ||
  pass.result === 'failed' ||
  (pass.result === 'degraded' &&
    !(pass.unhealthy ?? []).some((u) => u.state === 'starting' || u.state === 'restarting' || u.pending));

/** An instance the agent is waiting on as designed: inside its start period or start_timeout, or in a back-off. */
const stillWaiting = (u: NotHealthy): boolean => u.pending === true || u.state === 'restarting';

/**
 * The one rule of how a pass ended, used by the log line, `/v1/status`, `mcp status`,
 * `mcp deploy` and the notifications alike (kstatus' Current / InProgress / Failed):
 * - failed: nothing could be planned (no revision, no view of the runtime);
 * - degraded: something is wrong: a failed or conflicting action, a dependent blocked past its
 *   dependency's start_timeout, an error of the pass (a rejected or held revision, a source
 *   down), an instance unhealthy past its start_timeout, a crash loop, a rollback;
 * - progressing: nothing is wrong, the pass only waits: instances inside their start period or
 *   start_timeout, dependents waiting on them, back-offs that have not run out;
 * - converged: everything done and every probed instance healthy.
 */
export const passResult = (pass: {
  counts: Record<Outcome, number> | undefined;
  errors: readonly Problem[];
  unhealthy: readonly NotHealthy[];
  /** How many of the skipped actions wait for a dependency or a back-off (not blocked). */
  waiting: number;
}): PassResult => {
  const { counts, errors, unhealthy, waiting } = pass;
  if (!counts) return 'failed';
  const wrong =
    counts.failed + counts.conflict + (counts.skipped - waiting) > 0 ||
    errors.length > 0 ||
    unhealthy.some((u) => !stillWaiting(u));
  if (wrong) return 'degraded';
  return counts.skipped > 0 || unhealthy.length > 0 ? 'progressing' : 'converged';
};

/** Events of health: a transition of an instance's state, a rollback, a crash loop given up on. */
export type HealthEventKind = 'starting' | 'healthy' | 'unhealthy' | 'rolled-back' | 'crash-looping';

/**
 * What an event records: an outcome of the fixed vocabulary; an operator's release of a held
 * revision (`override`), restart (`restarted`), suspension (`suspended`) or its end
 * (`resumed`); the registry started afresh (`registry`); a revision rejected (`rejected`:
 * invalid, against the policy, or not signed as required); a deploy job's run (`job`); a
 * health event; an image event of the digest check (`pull = "newer"`).
 */
export type EventKind =
  | Outcome
  | 'override'
  | 'restarted'
  | 'suspended'
  | 'resumed'
  | 'registry'
  | 'rejected'
  | 'job'
  | HealthEventKind
  | ImageEventKind;

/** The digest check: a tag moved and its new image was pulled; the registry could not be asked; it answers again. */
export type ImageEventKind = 'image-updated' | 'image-check-failed' | 'image-check-recovered';

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

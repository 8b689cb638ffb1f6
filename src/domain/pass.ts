/**
 * What a reconcile pass leaves behind for operators: how it ended, and the events it recorded.
 * Stored by the registry, served by the API, read by the CLI: one shape for all three.
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
  errors: { code: ErrorCode; message: string; name?: string }[];
  /** Probed instances that are not healthy, restarting ones, and rolled-back ones: why the pass is not converged. */
  unhealthy?: NotHealthy[];
}

/** One instance that keeps a pass from converging although nothing failed. */
export interface NotHealthy {
  name: string;
  state: 'starting' | 'unhealthy' | 'restarting' | 'crash-looping' | 'rolled-back';
  reason?: string;
}

/** Events of health: a transition of an instance's state, a rollback, a crash loop given up on. */
export type HealthEventKind = 'starting' | 'healthy' | 'unhealthy' | 'rolled-back' | 'crash-looping';

/** What an event records: an outcome of the fixed vocabulary, or a health event. */
export type EventKind = Outcome | HealthEventKind;

/** One line of the event log: something found or done, in the fixed outcome vocabulary. */
export interface EventRecord {
  at: string;
  kind: EventKind;
  name?: string;
  message: string;
  data?: Record<string, unknown>;
}

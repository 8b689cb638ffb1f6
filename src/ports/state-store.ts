/**
 * The agent's registry: what MCP created (the only things prune may remove), stable route
 * ports, the last good revision (desired state survives a git outage), pass status and events.
 */
import type { InventoryEntry } from '../domain/observed.js';
import type { Revision } from '../domain/spec.js';

/** One reason a pass or a revision did not simply converge: a stable code and one line. */
export interface Problem {
  code: string;
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

/** One line of the event log: something found or done, in the fixed outcome vocabulary. */
export interface EventRecord {
  at: string;
  kind: string;
  name?: string;
  message: string;
  data?: Record<string, unknown>;
}

/** How the last pass ended, for `mcp status` and the API. */
export interface PassStatus {
  at: string;
  revision?: string;
  /** converged: all done; degraded: some actions failed; failed: no action taken (source or runtime down, invalid). */
  result: 'converged' | 'degraded' | 'failed';
  summary: string;
  durationMs: number;
  counts: Record<string, number>;
  errors: Problem[];
}

export interface StateStore {
  inventory(): InventoryEntry[];
  recordInstances(entries: InventoryEntry[]): void;
  forgetInstance(name: string): void;
  /**
   * Host ports for `routes` of `instance`: the same ports on every call, allocated once in
   * 10000-60000, never one in `avoid` (the node's static host ports). Ports of the instance's
   * routes not in `routes` are released.
   */
  routePorts(
    instance: string,
    routes: readonly string[],
    avoid?: ReadonlySet<number>,
  ): Record<string, number>;
  releasePorts(instance: string): void;
  lastGood(): Revision | undefined;
  setLastGood(revision: Revision): void;
  /** The revision the last finished pass applied, with its services (desired while a newer one is held). */
  applied(): (AppliedRevision & { services: Revision['services'] }) | undefined;
  setApplied(revision: Revision, result: PassStatus['result'], at: string): void;
  /** The newest revision seen and its fate. */
  seen(): SeenRevision | undefined;
  setSeen(seen: SeenRevision): void;
  /** The pass in progress, if any: kept in memory only (a restarted agent applies nothing yet). */
  applying(): ApplyingRevision | undefined;
  setApplying(applying: ApplyingRevision | undefined): void;
  lastPass(): PassStatus | undefined;
  recordPass(status: PassStatus): void;
  addEvent(event: EventRecord): void;
  events(limit: number): EventRecord[];
  /** Persists pending changes atomically (a crash leaves the old or the new file, never a torn one). */
  flush(): Promise<void>;
}

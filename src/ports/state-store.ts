/**
 * The agent's registry: what MCP created (the only things prune may remove), stable route
 * ports, the last good revision (desired state survives a git outage), pass status and events.
 */

import type { DeathRecord } from '../domain/crash-loop.js';
import type { HealthRecord } from '../domain/health.js';
import type { JobRun } from '../domain/job.js';
import type { InventoryEntry } from '../domain/observed.js';
import type {
  AppliedRevision,
  ApplyingRevision,
  EventRecord,
  PassStatus,
  SeenRevision,
} from '../domain/pass.js';
import type { FailedSpec, HealthySpec } from '../domain/rollback.js';
import type { Revision } from '../domain/spec.js';
import type { Suspension, SuspensionScope } from '../domain/suspension.js';

export type {
  AppliedRevision,
  ApplyingRevision,
  EventRecord,
  PassStatus,
  Problem,
  RevisionFate,
  SeenRevision,
} from '../domain/pass.js';

/** What a subscriber to the store is told: an event, a finished pass, or a pass that starts applying a revision. */
export type StoreRecord =
  | { kind: 'event'; event: EventRecord }
  | { kind: 'pass'; pass: PassStatus }
  | { kind: 'applying'; applying: ApplyingRevision };

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
  /** The revision the last finished pass applied: commit, time, result (no services: cheap). */
  appliedStatus(): AppliedRevision | undefined;
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
  /**
   * Calls `listener` with every event and every pass record after it is stored, until the
   * returned function is called: the live feed behind the event stream, metrics and
   * notifications. A listener that throws is dropped from nothing and breaks nothing.
   */
  subscribe(listener: (record: StoreRecord) => void): () => void;
  /** The latest `limit` events, newest first. */
  events(limit: number): EventRecord[];
  /** The health of every probed instance, as last recorded. */
  health(): Map<string, HealthRecord>;
  /** Records the health of one instance; undefined forgets it (no probe, or gone). */
  recordHealth(name: string, record: HealthRecord | undefined): void;
  /** The spec each component last ran healthy. */
  lastHealthy(): Map<string, HealthySpec>;
  setLastHealthy(spec: HealthySpec): void;
  /** The (component, spec hash) marks of failed rollouts, one per component. */
  failedSpecs(): Map<string, FailedSpec>;
  markFailed(mark: FailedSpec): void;
  clearFailed(name: string): void;
  /** Instances left stopped as crash-looping (kept across restarts of the agent), by name. */
  crashLoops(): Map<string, DeathRecord>;
  /** Records a crash loop; undefined forgets it (a retry, a new spec). */
  recordCrashLoop(name: string, record: DeathRecord | undefined): void;
  /** The suspensions in force (the node's and its services'), oldest first; kept across restarts. */
  suspensions(): Suspension[];
  /** Records a suspension; an existing one of the same scope and target is kept as it is and returned. */
  suspend(suspension: Suspension): Suspension | undefined;
  /** Lifts the suspension of `scope` and `target`; returns it, or undefined when there was none. */
  resume(scope: SuspensionScope, target: string): Suspension | undefined;
  /** The last run of each job, by its instance name. */
  jobRuns(): Map<string, JobRun>;
  recordJobRun(run: JobRun): void;
  /** Forgets the last run of job `name`: it runs again at the next change it is asked for. */
  forgetJobRun(name: string): void;
  /** Persists pending changes atomically (a crash leaves the old or the new file, never a torn one). */
  flush(): Promise<void>;
}

/**
 * The agent's registry: what MCP created (the only things prune may remove), stable route
 * ports, the last good revision (desired state survives a git outage), pass status and events.
 */
import type { InventoryEntry } from '../domain/observed.js';
import type { Revision } from '../domain/spec.js';

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
  errors: { code: string; message: string; name?: string }[];
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
  lastPass(): PassStatus | undefined;
  recordPass(status: PassStatus): void;
  addEvent(event: EventRecord): void;
  events(limit: number): EventRecord[];
  /** Persists pending changes atomically (a crash leaves the old or the new file, never a torn one). */
  flush(): Promise<void>;
}

/**
 * A reconcile pass wired to the in-memory runtime and an in-memory registry, with a source
 * the test controls: the fast way to drive the agent's core through whole passes.
 */

import { openRegistry, type SqlRegistry } from '../../src/adapters/sqljs/registry.js';
import { Adoptions } from '../../src/agent/adoptions.js';
import type { ApplyDeps, ApplyOptions } from '../../src/agent/apply.js';
import { HealthBoard } from '../../src/agent/health/index.js';
import { OverrideLatch } from '../../src/agent/override.js';
import { type PassReport, reconcileOnce } from '../../src/agent/reconcile.js';
import { McpError } from '../../src/domain/errors.js';
import type { ActionResult } from '../../src/domain/outcome.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { silentLogger } from '../../src/log.js';
import type { FetchResult } from '../../src/ports/revision-source.js';
import { MemoryRuntime } from './memory-runtime.js';

export const defaultOptions: ApplyOptions = {
  concurrency: 4,
  retry: { retries: 2, delayMs: 1 },
  stopTimeoutSeconds: 1,
  heal: true,
  prune: true,
  override: false,
};

export interface Harness {
  runtime: MemoryRuntime;
  store: SqlRegistry;
  /** Releases of held revisions, as the API grants them. */
  overrides: OverrideLatch;
  /** What the source returns next: a revision, invalid files, or unreachable (undefined). */
  serve(next: ServiceSpec[] | FetchResult | undefined, commit?: string): void;
  pass(opts?: Partial<ApplyOptions>): Promise<PassReport>;
  /** `mcp adopt` of `names`: asks, runs a pass, resolves with its results for them. */
  adopt(names: readonly string[], opts?: Partial<ApplyOptions>): Promise<ActionResult[]>;
}

/**
 * `health`: the passes run with a health board, as the daemon's do (rollbacks, health gates);
 * `steadyMs`: how long its instances without a probe run before they count as healthy.
 * `progress`: told of each instance's phase as the apply works, as the daemon's activity record is.
 */
export const harness = async (
  node = 'rift',
  features: {
    health?: boolean;
    steadyMs?: number;
    progress?: ApplyDeps['progress'];
    latencyMs?: number;
    secrets?: ApplyDeps['secrets'];
  } = {},
): Promise<Harness> => {
  const runtime = new MemoryRuntime(features.latencyMs ? { latencyMs: features.latencyMs } : {});
  const store = await openRegistry();
  let next: FetchResult | undefined;
  const lastOutcome = new Map<string, string>();
  const adoptions = new Adoptions();
  const overrides = new OverrideLatch();
  const board = features.health ? new HealthBoard(store, Date.now, features.steadyMs) : undefined;
  const source = {
    description: 'test',
    fetch: async (): Promise<FetchResult> => {
      if (!next) throw new McpError('SOURCE_UNAVAILABLE', 'git server unreachable');
      return next;
    },
  };
  const pass = (opts: Partial<ApplyOptions> = {}) =>
    reconcileOnce(
      {
        node,
        source,
        runtimes: { container: runtime },
        store,
        log: silentLogger,
        lastOutcome,
        adoptions,
        overrides,
        ...(board ? { health: board } : {}),
        ...(features.progress ? { progress: features.progress } : {}),
        ...(features.secrets ? { secrets: features.secrets } : {}),
      },
      { ...defaultOptions, ...opts },
    );
  return {
    runtime,
    store,
    overrides,
    serve(value, commit = 'c0ffee') {
      next = Array.isArray(value) ? { ok: true, revision: { commit, services: value } } : value;
    },
    pass,
    adopt(names, opts = {}) {
      const results = adoptions.request(names);
      void pass(opts);
      return results;
    },
  };
};

/** Names of the runtime's running instances, sorted. */
export const running = (runtime: MemoryRuntime): string[] =>
  runtime
    .list()
    .filter((i) => i.state === 'running')
    .map((i) => i.name)
    .sort();

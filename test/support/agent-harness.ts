/**
 * A reconcile pass wired to the in-memory runtime and an in-memory registry, with a source
 * the test controls: the fast way to drive the agent's core through whole passes.
 */

import { MemoryRuntime } from '../../src/adapters/memory/runtime.js';
import { openRegistry, type SqlRegistry } from '../../src/adapters/sqljs/registry.js';
import type { ApplyOptions } from '../../src/agent/apply.js';
import { OverrideLatch } from '../../src/agent/override.js';
import { type PassReport, reconcileOnce } from '../../src/agent/reconcile.js';
import { McpError } from '../../src/domain/errors.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { silentLogger } from '../../src/log.js';
import type { FetchResult } from '../../src/ports/revision-source.js';

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
}

export const harness = async (node = 'rift'): Promise<Harness> => {
  const runtime = new MemoryRuntime();
  const store = await openRegistry();
  let next: FetchResult | undefined;
  const lastOutcome = new Map<string, string>();
  const overrides = new OverrideLatch();
  const source = {
    description: 'test',
    fetch: async (): Promise<FetchResult> => {
      if (!next) throw new McpError('SOURCE_UNAVAILABLE', 'git server unreachable');
      return next;
    },
  };
  return {
    runtime,
    store,
    overrides,
    serve(value, commit = 'c0ffee') {
      next = Array.isArray(value) ? { ok: true, revision: { commit, services: value } } : value;
    },
    pass: (opts = {}) =>
      reconcileOnce(
        { node, source, runtimes: { container: runtime }, store, log: silentLogger, lastOutcome, overrides },
        { ...defaultOptions, ...opts },
      ),
  };
};

/** Names of the runtime's running instances, sorted. */
export const running = (runtime: MemoryRuntime): string[] =>
  runtime
    .list()
    .filter((i) => i.state === 'running')
    .map((i) => i.name)
    .sort();

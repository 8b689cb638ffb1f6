/**
 * One reconcile pass: fetch -> validate -> filter to this node -> observe -> plan -> apply ->
 * record. Level-based and idempotent: a second pass over the same state changes nothing.
 * A source that is down or invalid falls back to the last good revision; a runtime that
 * cannot be observed ends the pass with no action at all.
 */
import { type AdoptCandidate, isManaged } from '../domain/decide.js';
import { asMcpError, McpError } from '../domain/errors.js';
import type { Observed } from '../domain/observed.js';
import { type ChangeSet, countOutcomes, describeCounts, type Outcome } from '../domain/outcome.js';
import type { NotHealthy, PassResult, PassStatus } from '../domain/pass.js';
import { plan } from '../domain/plan.js';
import { instanceName, type Revision, type ServiceSpec } from '../domain/spec.js';
import { formatSpecError } from '../domain/spec-error.js';
import type { Logger } from '../log.js';
import type { RevisionSource } from '../ports/revision-source.js';
import type { StateStore } from '../ports/state-store.js';
import type { Adoptions } from './adoptions.js';
import { type ApplyDeps, type ApplyOptions, applyPlan } from './apply.js';
import type { HealthBoard } from './health-board.js';
import { healthGate } from './health-gate.js';
import { afterApply, explainRollbacks, rolledBackServices } from './health-pass.js';

export interface PassDeps extends ApplyDeps {
  node: string;
  source: RevisionSource;
  log: Logger;
  store: StateStore;
  /**
   * The outcome and reason last recorded per instance, kept by a long-running agent so a
   * standing condition (a conflict, a skip) is one event, not one per pass.
   */
  lastOutcome?: Map<string, string>;
  /** `mcp adopt` requests waiting for a pass. */
  adoptions?: Adoptions;
  /** Instance health between passes; without it health is not looked at (no probes, no rollback). */
  health?: HealthBoard;
}

/** What a pass did, for the API, the CLI and tests. */
export interface PassReport {
  status: PassStatus;
  changes?: ChangeSet;
  /** A rollback was decided: another pass should follow at once to apply it. */
  requeue?: boolean;
}

export const reconcileOnce = async (deps: PassDeps, opts: ApplyOptions): Promise<PassReport> => {
  const adopting = deps.adoptions?.take();
  try {
    const report = await pass(deps, opts, adopting?.names ?? new Set());
    if (report.changes) adopting?.settle(report.changes.results);
    else adopting?.fail(new McpError(report.status.errors[0]?.code ?? 'INTERNAL', report.status.summary));
    return report;
  } catch (err) {
    adopting?.fail(asMcpError(err));
    throw err;
  }
};

const pass = async (deps: PassDeps, opts: ApplyOptions, adopt: ReadonlySet<string>): Promise<PassReport> => {
  const started = performance.now();
  const errors: PassStatus['errors'] = [];
  const revision = await desiredRevision(deps, errors);
  if (!revision) return finish(deps, started, undefined, errors, 'no valid revision yet: nothing applied');

  const board = deps.health;
  const { services, rolledBack } = board
    ? rolledBackServices(deps.store, revision.services)
    : { services: revision.services, rolledBack: new Map() };
  const mine = services.filter((s) => s.node === deps.node);
  const names = mine.flatMap((s) => s.components.map(instanceName));
  let observed: Observed;
  let candidates: Map<string, AdoptCandidate>;
  try {
    observed = await observeAll(deps, mine, names);
    candidates = await adoptCandidates(deps, observed, adopt);
  } catch (err) {
    const error = asMcpError(err);
    errors.push({ code: error.code, message: error.message });
    return finish(deps, started, revision, errors, 'runtime not observable: nothing applied');
  }

  const planned = plan({
    node: deps.node,
    revision: revision.commit,
    services,
    observed,
    inventory: deps.store.inventory(),
    override: opts.override,
    adopt: candidates,
  });
  const thePlan = explainRollbacks(planned, rolledBack);
  if (thePlan.holdRemovals) {
    errors.push({
      code: 'NEEDS_OVERRIDE',
      message: 'the revision removes most services of this node; removals held',
    });
  }
  const specs = new Map(mine.flatMap((s) => s.components.map((c) => [instanceName(c), c] as const)));
  const gate = board ? healthGate(board, specs) : undefined;
  const changes = await applyPlan(thePlan, { ...deps, gate }, opts);
  const health = board
    ? afterApply({
        store: deps.store,
        board,
        node: deps.node,
        revision,
        planned: services,
        rolledBack,
        observed,
        results: changes.results,
      })
    : { unhealthy: [], requeue: false };
  forgetVanished(deps.store, new Set(names), new Set(observed.instances.map((i) => i.name)));
  for (const r of changes.results) {
    if (r.error) errors.push({ code: r.error.code, message: r.error.message, name: r.name });
    const key = `${r.outcome} ${r.reason}`;
    const repeated = deps.lastOutcome?.get(r.name) === key && r.outcome !== 'failed';
    deps.lastOutcome?.set(r.name, key);
    if (r.outcome === 'unchanged' || repeated) continue;
    deps.store.addEvent({
      at: new Date().toISOString(),
      kind: r.outcome,
      name: r.name,
      message: r.reason,
      data: { action: r.action, drift: r.drift, ...(r.error ? { error: r.error } : {}) },
    });
  }
  const summary = describeCounts(changes.counts) + describeUnhealthy(health.unhealthy);
  return {
    ...(await finish(deps, started, revision, errors, summary, changes.counts, health.unhealthy)),
    changes,
    ...(health.requeue ? { requeue: true } : {}),
  };
};

/**
 * One view of the node from every runtime it has: containers and VMs, and the ids of the
 * images the desired state names, each asked of the runtime of its kind. A runtime that
 * cannot be observed fails the whole observation: no action is ever taken on a partial view.
 */
const observeAll = async (deps: PassDeps, mine: ServiceSpec[], names: string[]): Promise<Observed> => {
  const views = await Promise.all(
    (['container', 'unikernel'] as const).map((kind) => {
      const runtime = deps.runtimes[kind];
      const images = [
        ...new Set(mine.flatMap((s) => s.components.filter((c) => c.kind === kind).map((c) => c.image))),
      ];
      return runtime ? runtime.observe(names, images) : { instances: [], images: {} };
    }),
  );
  return {
    instances: views.flatMap((v) => v.instances),
    images: Object.assign({}, ...views.map((v) => v.images)),
  };
};

/**
 * What runs in each container `mcp adopt` asked for, when it holds the name without MCP's
 * labels (anything else is left to the plan as it is). Asked of the runtime, not its cache.
 */
const adoptCandidates = async (
  deps: PassDeps,
  observed: Observed,
  adopt: ReadonlySet<string>,
): Promise<Map<string, AdoptCandidate>> => {
  const candidates = new Map<string, AdoptCandidate>();
  const runtime = deps.runtimes.container;
  if (!runtime || adopt.size === 0) return candidates;
  for (const inst of observed.instances) {
    if (!adopt.has(inst.name) || inst.kind !== 'container' || isManaged(inst)) continue;
    const running = await runtime.inspect(inst.id);
    // The image id as the observation spells it, so the planner compares like with like.
    candidates.set(inst.name, inst.imageId ? { ...running, imageId: inst.imageId } : running);
  }
  return candidates;
};

/** The revision to converge to: the source's when valid, else the last good one (and why). */
const desiredRevision = async (
  deps: PassDeps,
  errors: PassStatus['errors'],
): Promise<Revision | undefined> => {
  try {
    const fetched = await deps.source.fetch();
    if (fetched.ok) {
      deps.store.setLastGood(fetched.revision);
      return fetched.revision;
    }
    for (const e of fetched.errors) errors.push({ code: 'INVALID_SPEC', message: formatSpecError(e) });
    deps.log.warn('revision invalid; keeping last good', {
      commit: fetched.commit,
      errors: fetched.errors.length,
    });
  } catch (err) {
    const error: McpError = asMcpError(err);
    errors.push({ code: error.code, message: error.message });
    deps.log.warn('source unavailable; keeping last good', {
      source: deps.source.description,
      error: error.message,
    });
  }
  return deps.store.lastGood();
};

/** Inventory entries whose instance is neither desired nor present any more (removed by hand, then undefined). */
const forgetVanished = (store: StateStore, desired: Set<string>, present: Set<string>): void => {
  for (const e of store.inventory())
    if (!desired.has(e.name) && !present.has(e.name)) store.forgetInstance(e.name);
};

/**
 * Records how the pass ended. Without `counts` nothing could be planned (no revision, no view
 * of the runtime): failed. With them, converged unless something failed, conflicted or was
 * skipped, or an error was met: a node with no services at all is converged.
 */
const finish = async (
  deps: PassDeps,
  started: number,
  revision: Revision | undefined,
  errors: PassStatus['errors'],
  summary: string,
  counts?: Record<Outcome, number>,
  unhealthy: NotHealthy[] = [],
): Promise<PassReport> => {
  const unconverged = counts ? counts.failed + counts.conflict + counts.skipped + unhealthy.length : 0;
  const result: PassResult = !counts
    ? 'failed'
    : unconverged > 0 || errors.length > 0
      ? 'degraded'
      : 'converged';
  const status: PassStatus = {
    at: new Date().toISOString(),
    ...(revision?.commit ? { revision: revision.commit } : {}),
    result,
    summary,
    durationMs: Math.round(performance.now() - started),
    counts: counts ?? countOutcomes([]),
    errors,
    ...(unhealthy.length > 0 ? { unhealthy } : {}),
  };
  deps.store.recordPass(status);
  await deps.store.flush();
  return { status };
};

/** "; not healthy: a-api starting, b-db unhealthy" for the pass summary; '' when all are healthy. */
const describeUnhealthy = (list: readonly NotHealthy[]): string =>
  list.length === 0 ? '' : `; not healthy: ${list.map((n) => `${n.name} ${n.state}`).join(', ')}`;

/**
 * One reconcile pass: fetch -> validate -> filter to this node -> observe -> plan -> apply ->
 * record. Level-based and idempotent: a second pass over the same state changes nothing.
 * A source that is down or invalid falls back to the last good revision; a runtime that
 * cannot be observed ends the pass with no action at all.
 */
import { asMcpError, type McpError } from '../domain/errors.js';
import type { Observed } from '../domain/observed.js';
import { plan } from '../domain/plan.js';
import { instanceName, type Revision, type ServiceSpec } from '../domain/spec.js';
import type { Logger } from '../log.js';
import type { RevisionSource } from '../ports/revision-source.js';
import type { PassStatus, StateStore } from '../ports/state-store.js';
import { formatSpecError } from '../spec/load.js';
import { type ApplyDeps, type ApplyOptions, applyPlan } from './apply.js';
import { type ChangeSet, describeCounts } from './outcome.js';

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
}

/** What a pass did, for the API, the CLI and tests. */
export interface PassReport {
  status: PassStatus;
  changes?: ChangeSet;
}

export const reconcileOnce = async (deps: PassDeps, opts: ApplyOptions): Promise<PassReport> => {
  const started = performance.now();
  const errors: PassStatus['errors'] = [];
  const revision = await desiredRevision(deps, errors);
  if (!revision) return finish(deps, started, undefined, errors, 'no valid revision yet: nothing applied');

  const services = revision.services;
  const mine = services.filter((s) => s.node === deps.node);
  const names = mine.flatMap((s) => s.components.map(instanceName));
  let observed: Observed;
  try {
    observed = await observeAll(deps, mine, names);
  } catch (err) {
    const error = asMcpError(err);
    errors.push({ code: error.code, message: error.message });
    return finish(deps, started, revision, errors, 'runtime not observable: nothing applied');
  }

  const thePlan = plan({
    node: deps.node,
    revision: revision.commit,
    services,
    observed,
    inventory: deps.store.inventory(),
  });
  if (thePlan.needsOverride && !opts.override) {
    errors.push({
      code: 'NEEDS_OVERRIDE',
      message: 'the revision removes most services of this node; removals held',
    });
  }
  const changes = await applyPlan(thePlan, services, deps, opts);
  forgetVanished(deps.store, new Set(names), new Set(observed.instances.map((i) => i.name)));
  for (const r of changes.results) {
    if (r.error) errors.push({ code: r.error.code, message: r.error.message, name: r.name });
    else if (r.outcome === 'conflict') errors.push({ code: 'CONFLICT', message: r.reason, name: r.name });
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
  return {
    ...(await finish(deps, started, revision, errors, describeCounts(changes.counts), changes.counts)),
    changes,
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

const finish = async (
  deps: PassDeps,
  started: number,
  revision: Revision | undefined,
  errors: PassStatus['errors'],
  summary: string,
  counts: Record<string, number> = {},
): Promise<PassReport> => {
  const failed = counts.failed ?? 0;
  const unconverged = failed + (counts.conflict ?? 0) + (counts.skipped ?? 0);
  const result: PassStatus['result'] =
    Object.keys(counts).length === 0 ? 'failed' : unconverged || errors.length ? 'degraded' : 'converged';
  const status: PassStatus = {
    at: new Date().toISOString(),
    ...(revision?.commit ? { revision: revision.commit } : {}),
    result,
    summary,
    durationMs: Math.round(performance.now() - started),
    counts,
    errors,
  };
  deps.store.recordPass(status);
  await deps.store.flush();
  return { status };
};

/**
 * One reconcile pass: fetch -> validate -> filter to this node -> observe -> plan -> apply ->
 * record. Level-based and idempotent: a second pass over the same state changes nothing.
 * With a health board, components whose new spec failed are planned on their last healthy
 * spec, health gates the apply (dependencies healthy, crash-loop back-off), and a pass
 * converges only when every probed instance is healthy (src/agent/health/).
 * A source that is down or invalid falls back to the last good revision; a runtime that
 * cannot be observed ends the pass with no action at all.
 */
import { type AdoptCandidate, isManaged } from '../domain/decide.js';
import { asMcpError, McpError } from '../domain/errors.js';
import { restoreJobs, withoutJobs } from '../domain/job.js';
import { nodeView } from '../domain/node-view.js';
import type { Observed } from '../domain/observed.js';
import {
  type ActionResult,
  type ChangeSet,
  countOutcomes,
  describeCounts,
  type Outcome,
} from '../domain/outcome.js';
import { type NotHealthy, type PassStatus, passResult } from '../domain/pass.js';
import { followedImages, pinImages } from '../domain/pin-images.js';
import { plan } from '../domain/plan.js';
import type { Plan } from '../domain/plan-types.js';
import { type ComponentSpec, instanceName, type Revision, type ServiceSpec } from '../domain/spec.js';
import { formatSpecError, type SpecError } from '../domain/spec-error.js';
import { type Suspension, suspensionOf, suspensionProblems } from '../domain/suspension.js';
import type { Logger } from '../log.js';
import type { RevisionSource } from '../ports/revision-source.js';
import type { Problem, RevisionFate, StateStore } from '../ports/state-store.js';
import type { Adoptions } from './adoptions.js';
import { type ApplyDeps, type ApplyOptions, applyPlan } from './apply.js';
import {
  afterApply,
  explainRollbacks,
  type HealthBoard,
  healthGate,
  rolledBackServices,
} from './health/index.js';
import { jobGate, postDeploy, preDeploy } from './jobs/index.js';
import type { OverrideGrant, OverrideLatch } from './override.js';
import type { Refusal, SecretKeeper } from './secrets/index.js';
import { suspensionGate } from './suspend-gate.js';

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
  /** Releases of held revisions an operator granted through the API. */
  overrides?: OverrideLatch;
  /** Instance health between passes; without it health is not looked at (no probes, no rollback). */
  health?: HealthBoard;
  /** The node's admission policy applied again to the last good revision before falling back on it. */
  recheck?: (revision: Revision) => Promise<SpecError[]>;
}

/** What a pass did, for the API, the CLI and tests. */
export interface PassReport {
  status: PassStatus;
  changes?: ChangeSet;
  /** A rollback was decided: another pass should follow at once to apply it. */
  requeue?: boolean;
}

/** The revision a pass sets out to apply; `fresh` when the source returned it just now. */
interface Target {
  revision: Revision;
  fresh: boolean;
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
  // Suspensions are read once, as the pass starts (before its first await): one asked for or
  // lifted meanwhile takes effect in the pass it triggers, which is the pass `mcp resume`
  // reports, never in one already under way.
  const suspensions = deps.store.suspensions();
  const errors: Problem[] = [];
  const target = await desiredRevision(deps, errors);
  if (!target) return finish(deps, started, undefined, errors, 'no valid revision yet: nothing applied');
  const commit = target.revision.commit ?? null;
  if (target.fresh) noteSeen(deps.store, commit);
  deps.store.setApplying({ commit, since: new Date().toISOString() });
  try {
    return await applyTarget(deps, opts, target.revision, { started, errors, adopt, suspensions });
  } finally {
    deps.store.setApplying(undefined);
  }
};

/** What a pass knows from its start: its clock, its problems so far, what it adopts and what is suspended. */
interface PassStart {
  started: number;
  errors: Problem[];
  adopt: ReadonlySet<string>;
  suspensions: readonly Suspension[];
}

/** Observe, plan (holding a mass removal unless released), apply, record the fates. */
const applyTarget = async (
  deps: PassDeps,
  opts: ApplyOptions,
  fetched: Revision,
  { started, errors, adopt, suspensions }: PassStart,
): Promise<PassReport> => {
  const commit = fetched.commit ?? null;
  const full = await sealSecrets(deps, fetched, errors);
  // Jobs are run around the changes (jobs/), never planned or kept running.
  const newest = await pinRevision(deps, withoutJobs(full));
  const grant = deps.overrides?.take(commit);
  const override = opts.override || grant !== undefined;
  const board = deps.health;
  // Components whose desired spec failed its rollout are planned on their last healthy spec.
  const { services, rolledBack } = board
    ? rolledBackServices(deps.store, newest.services)
    : { services: newest.services, rolledBack: new Map() };
  let decision: Decision;
  try {
    decision = await decide(deps, rolledBack.size ? { ...newest, services } : newest, override, adopt);
  } catch (err) {
    const error = asMcpError(err);
    errors.push({ code: error.code, message: error.message });
    return finish(deps, started, newest, errors, 'runtime not observable: nothing applied');
  }
  const { revision, observed, held } = decision;
  const thePlan = explainRollbacks(decision.plan, rolledBack);
  if (held.length) errors.push(heldProblem(commit, held));
  if (grant && thePlan.needsOverride) recordOverride(deps.store, grant, removalsOf(thePlan));
  const view = nodeView(revision.services, deps.node);
  // No job runs for a suspended service, nor while a mass removal holds the revision back.
  const jobServices = (decision.fellBack ? [] : full.services).filter(
    (s) => suspensionOf(suspensions, s.name) === undefined,
  );
  const jobDeps = { ...deps, runtime: deps.runtimes.container };
  const pre = await preDeploy(jobDeps, jobServices, thePlan, commit ?? undefined);
  errors.push(...pre.problems);
  const health = board ? healthGate(board, view.components) : undefined;
  const jobHold = jobGate(pre.held);
  const gate = suspensionGate(suspensions, pre.held.size ? (a) => jobHold(a) ?? health?.(a) : health);
  const changes = await applyPlan(thePlan, { ...deps, gate }, opts);
  const { unhealthy, requeue } = board
    ? afterApply({
        store: deps.store,
        board,
        node: deps.node,
        revision,
        planned: revision.services,
        rolledBack,
        observed,
        results: changes.results,
        suspended: (service) => suspensionOf(suspensions, service) !== undefined,
      })
    : { unhealthy: [], requeue: false };
  const post = await postDeploy(
    jobDeps,
    jobServices,
    readyFor(board, unhealthy, changes),
    commit ?? undefined,
  );
  errors.push(...post.problems);
  forgetVanished(deps.store, view.components, new Set(observed.instances.map((i) => i.name)));
  recordResults(deps, changes, errors);
  errors.push(...suspensionProblems(suspensions, changes.results));
  // A post-deploy job still to run keeps the pass from being done.
  const waiting = changes.results.filter((r) => r.waiting).length + post.waiting.length;
  const report = await finish(
    deps,
    started,
    revision,
    errors,
    describeCounts(changes.counts) + describeUnhealthy(unhealthy) + describeHeld(changes.results),
    changes.counts,
    () => {
      deps.store.setApplied(
        decision.fellBack ? revision : restoreJobs(revision, full),
        passResult({ counts: changes.counts, errors, unhealthy, waiting }),
        new Date().toISOString(),
      );
      settleSeen(deps.store, commit, held.length ? 'held' : 'applied', held);
    },
    unhealthy,
    waiting,
  );
  return { ...report, changes, ...(requeue || post.requeue ? { requeue: true } : {}) };
};

/**
 * Whether a component counts as deployed for its service's post-deploy jobs: its action this
 * pass did not fail or wait, it is not listed as not healthy, and a probed one is healthy.
 */
const readyFor =
  (board: HealthBoard | undefined, unhealthy: readonly NotHealthy[], changes: ChangeSet) =>
  (c: ComponentSpec): boolean => {
    const name = instanceName(c);
    if (unhealthy.some((u) => u.name === name)) return false;
    const result = changes.results.find((r) => r.name === name);
    if (result && ['failed', 'skipped', 'conflict'].includes(result.outcome)) return false;
    return !c.health || !board || board.state(name) === 'healthy';
  };

/**
 * `revision` with the secrets of this node's services sealed (their digests in the specs). A
 * service whose secrets this node cannot read keeps its applied version (or stays absent):
 * it is never started without its values, and what runs of it is not removed.
 */
export const sealForNode = async (
  deps: Pick<PassDeps, 'node' | 'store' | 'secrets'>,
  revision: Revision,
): Promise<{ revision: Revision; refused: Refusal[] }> => {
  const keeper = deps.secrets;
  const known = keeper && sealedRevisions.get(keeper)?.get(revision);
  if (known) return { revision: known, refused: [] };
  const mine = revision.services.filter((s) => s.node === deps.node && s.secrets);
  if (mine.length === 0) return { revision, refused: [] };
  const { services, refused } = keeper
    ? await keeper.seal(mine)
    : {
        services: [],
        refused: mine.map((s) => ({
          service: s.name,
          file: s.file,
          reason: 'this agent has no [secrets] section',
        })),
      };
  const applied = deps.store.applied()?.services ?? [];
  const kept = applied.filter((s) => refused.some((r) => r.service === s.name));
  const keptSealed = keeper && kept.length ? (await keeper.seal(kept)).services : [];
  // The sealed version of a service wins over its kept one as recorded.
  const replace = new Map([...kept, ...keptSealed, ...services].map((s) => [s.name, s] as const));
  const sealed = {
    ...revision,
    services: revision.services
      .filter((s) => !refused.some((r) => r.service === s.name) || replace.has(s.name))
      .map((s) => (s.node === deps.node ? (replace.get(s.name) ?? s) : s)),
  };
  // A pass over the same revision (the sources return the same object) seals nothing again.
  if (keeper && refused.length === 0) {
    const memo = sealedRevisions.get(keeper) ?? new WeakMap();
    memo.set(revision, sealed);
    sealedRevisions.set(keeper, memo);
  }
  return { revision: sealed, refused };
};

/** Per keeper, each fetched revision whose secrets all sealed, and its sealed form. */
const sealedRevisions = new WeakMap<SecretKeeper, WeakMap<Revision, Revision>>();

const sealSecrets = async (deps: PassDeps, revision: Revision, errors: Problem[]): Promise<Revision> => {
  const sealed = await sealForNode(deps, revision);
  for (const r of sealed.refused) refuseSecret(deps, r, revision.commit ?? null, errors);
  return sealed.revision;
};

/** A problem of the pass, and once per commit and reason a `rejected` event naming the file. */
const refuseSecret = (deps: PassDeps, r: Refusal, commit: string | null, errors: Problem[]): void => {
  const message = `${r.file}: ${r.reason}; ${r.service} keeps what runs`;
  errors.push({ code: 'SECRET_UNAVAILABLE', message, name: r.service });
  const key = `${commit} ${message}`;
  if (deps.lastOutcome?.get(`secret ${r.service}`) === key) return;
  deps.lastOutcome?.set(`secret ${r.service}`, key);
  deps.store.addEvent({
    at: new Date().toISOString(),
    kind: 'rejected',
    name: r.service,
    message: `secret refused: ${message}`,
    data: { commit, service: r.service, file: r.file, reason: r.reason },
  });
};

/** What a pass applies: the revision, the view it was planned on, the plan, and the removals held. */
interface Decision {
  revision: Revision;
  observed: Observed;
  plan: Plan;
  held: string[];
  /** The last applied revision is planned instead of the newest (its removals are held). */
  fellBack?: true;
}

/**
 * The plan for `newest`; when it removes most of the node's services and nobody released it,
 * the plan that keeps the last applied revision instead (so its services stay desired and are
 * healed), with the removals `newest` would make. Before any revision was applied, only the
 * removals are held.
 */
const decide = async (
  deps: PassDeps,
  newest: Revision,
  override: boolean,
  adopt: ReadonlySet<string>,
): Promise<Decision> => {
  const observed = await observeRevision(deps, newest);
  const planned = await planFor(deps, newest, observed, override, adopt);
  if (!planned.needsOverride || override) return { revision: newest, observed, plan: planned, held: [] };
  const held = removalsOf(planned);
  const applied = deps.store.applied();
  if (!applied || applied.commit === (newest.commit ?? null))
    return { revision: newest, observed, plan: planned, held };
  const revision = withoutJobs({
    ...(applied.commit ? { commit: applied.commit } : {}),
    services: applied.services,
  });
  deps.store.setApplying({
    commit: applied.commit,
    since: deps.store.applying()?.since ?? new Date().toISOString(),
  });
  const kept = await observeRevision(deps, revision);
  const pinned = { ...revision, services: pinImages(revision.services, deps.node, kept.images) };
  return {
    revision: pinned,
    observed: kept,
    plan: await planFor(deps, pinned, kept, override, adopt),
    held,
    fellBack: true,
  };
};

/**
 * `revision` with each `pull = "newer"` component of this node pinned to the local id of its
 * tag (pinImages), read from the runtime's cache. An image not present yet is pulled first,
 * so the instance is created with the hash it keeps; one that cannot be pulled stays unpinned
 * (its create reports why). Without such components: `revision` itself, no runtime call.
 */
const pinRevision = async (deps: PassDeps, revision: Revision): Promise<Revision> => {
  const refs = followedImages(revision.services, deps.node);
  const runtime = deps.runtimes.container;
  if (refs.length === 0 || !runtime) return revision;
  let images: Record<string, string>;
  try {
    images = { ...(await runtime.observe([], refs)).images };
  } catch {
    return revision; // not observable: the pass's own observation says so
  }
  for (const ref of refs.filter((r) => !images[r])) {
    try {
      images[ref] = await runtime.ensureImage(ref);
    } catch (err) {
      deps.log.debug('image not pulled before planning', { image: ref, error: asMcpError(err).message });
    }
  }
  return { ...revision, services: pinImages(revision.services, deps.node, images) };
};

/** The node's view for the services `revision` puts on it. */
const observeRevision = (deps: PassDeps, revision: Revision): Promise<Observed> => {
  const view = nodeView(revision.services, deps.node);
  return observeAll(deps, view.services, [...view.components.keys()]);
};

/** The plan of `revision` on `observed`, with the containers `mcp adopt` asked for inspected. */
const planFor = async (
  deps: PassDeps,
  revision: Revision,
  observed: Observed,
  override: boolean,
  adopt: ReadonlySet<string>,
): Promise<Plan> =>
  plan({
    node: deps.node,
    revision: revision.commit,
    services: revision.services,
    observed,
    inventory: deps.store.inventory(),
    override,
    adopt: await adoptCandidates(deps, observed, adopt),
  });

/** The instances a plan removes. */
const removalsOf = (p: Plan): string[] =>
  p.stages
    .flat()
    .filter((a) => a.kind === 'remove')
    .map((a) => a.name)
    .sort();

const heldProblem = (commit: string | null, held: readonly string[]): Problem => ({
  code: 'NEEDS_OVERRIDE',
  message: `revision ${commit?.slice(0, 7) ?? '(directory)'} removes most services of this node (${held.join(', ')}); held until an override (mcp sync --override NODE)`,
});

/** The event that says who released a held removal: the token's name and role, never the token. */
const recordOverride = (store: StateStore, grant: OverrideGrant, removes: string[]): void =>
  store.addEvent({
    at: new Date().toISOString(),
    kind: 'override',
    message: `held removals of ${grant.commit?.slice(0, 7) ?? '(directory)'} released by token ${grant.token} (${grant.role})`,
    data: { commit: grant.commit, token: grant.token, role: grant.role, grantedAt: grant.at, removes },
  });

/** Events for what changed; a standing condition is recorded once, a failure every time. */
const recordResults = (deps: PassDeps, changes: ChangeSet, errors: Problem[]): void => {
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
      data: {
        action: r.action,
        drift: r.drift,
        durationMs: Math.round(r.durationMs),
        ...(r.error ? { error: r.error } : {}),
      },
    });
  }
};

/** A commit the source returned for the first time becomes the newest seen, pending. */
const noteSeen = (store: StateStore, commit: string | null): void => {
  const seen = store.seen();
  if (seen && seen.commit === commit && seen.fate !== 'rejected') return;
  store.setSeen({ commit, at: new Date().toISOString(), fate: 'pending', errors: [], wouldRemove: [] });
};

/** The fate of the newest seen revision, when this pass was about it. */
const settleSeen = (store: StateStore, commit: string | null, fate: RevisionFate, wouldRemove: string[]) => {
  const seen = store.seen();
  if (!seen || seen.commit !== commit) return;
  store.setSeen({ ...seen, fate, errors: [], wouldRemove });
};

/**
 * One view of the node from every runtime it has: containers and VMs, and the ids of the
 * images the desired state names, each asked of the runtime of its kind. A runtime that
 * cannot be observed fails the whole observation: no action is ever taken on a partial view.
 */
export const observeAll = async (
  deps: Pick<PassDeps, 'runtimes'>,
  mine: readonly ServiceSpec[],
  names: string[],
): Promise<Observed> => {
  const views = await Promise.all(
    (['container', 'unikernel'] as const).map((kind) => {
      const runtime = deps.runtimes[kind];
      if (!runtime) return { instances: [], images: {} };
      const images = new Set<string>();
      for (const s of mine) for (const c of s.components) if (c.kind === kind) images.add(c.image);
      return runtime.observe(names, [...images]);
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
const desiredRevision = async (deps: PassDeps, errors: Problem[]): Promise<Target | undefined> => {
  try {
    const fetched = await deps.source.fetch();
    if (fetched.ok) {
      for (const warning of fetched.warnings ?? [])
        deps.log.warn('revision warning', { warning, commit: fetched.revision.commit });
      deps.store.setLastGood(fetched.revision);
      return { revision: fetched.revision, fresh: true };
    }
    const rejected: Problem[] = fetched.errors.map((e) => ({
      code: e.rule === 'source.verify' ? 'UNVERIFIED' : e.rule ? 'POLICY_VIOLATION' : 'INVALID_SPEC',
      message: formatSpecError(e),
    }));
    errors.push(...rejected);
    noteRejected(deps.store, fetched.commit ?? null, rejected);
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
  const lastGood = deps.store.lastGood();
  if (!lastGood) return undefined;
  const violations = (await deps.recheck?.(lastGood)) ?? [];
  if (violations.length === 0) return { revision: lastGood, fresh: false };
  // Admitted under an older policy: nothing of it is applied now, and nothing is removed either.
  const commit = lastGood.commit ? ` ${lastGood.commit.slice(0, 7)}` : '';
  errors.push(
    ...violations.map((e) => ({
      code: 'POLICY_VIOLATION' as const,
      message: `last good revision${commit} breaks the admission policy now: ${formatSpecError(e)}`,
    })),
  );
  deps.log.warn('last good revision breaks the admission policy now; applying nothing', {
    commit: lastGood.commit,
    violations: violations.length,
  });
  return undefined;
};

/** An invalid commit becomes the newest seen, rejected with every located error. */
const noteRejected = (store: StateStore, commit: string | null, errors: Problem[]): void => {
  const seen = store.seen();
  const again = seen?.commit === commit && seen.fate === 'rejected';
  const at = seen?.commit === commit ? seen.at : new Date().toISOString();
  store.setSeen({ commit, at, fate: 'rejected', errors, wouldRemove: [] });
  if (again) return;
  store.addEvent({
    at: new Date().toISOString(),
    kind: 'rejected',
    message: `revision ${commit?.slice(0, 7) ?? '(directory)'} rejected: ${errors[0]?.message ?? 'invalid'}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ''}`,
    data: { commit, errors },
  });
};

/** Inventory entries whose instance is neither desired nor present any more (removed by hand, then undefined). */
const forgetVanished = (
  store: StateStore,
  desired: ReadonlyMap<string, unknown>,
  present: Set<string>,
): void => {
  for (const e of store.inventory())
    if (!desired.has(e.name) && !present.has(e.name)) store.forgetInstance(e.name);
};

const finish = async (
  deps: PassDeps,
  started: number,
  revision: Revision | undefined,
  errors: Problem[],
  summary: string,
  counts?: Record<Outcome, number>,
  record?: () => void,
  unhealthy: NotHealthy[] = [],
  waiting = 0,
): Promise<PassReport> => {
  const status: PassStatus = {
    at: new Date().toISOString(),
    ...(revision?.commit ? { revision: revision.commit } : {}),
    result: passResult({ counts, errors, unhealthy, waiting }),
    summary,
    durationMs: Math.round(performance.now() - started),
    counts: counts ?? countOutcomes([]),
    errors,
    ...(unhealthy.length > 0 ? { unhealthy } : {}),
  };
  record?.();
  deps.store.recordPass(status);
  await deps.store.flush();
  return { status };
};

/** "; not healthy: a-api starting, b-db unhealthy" for the pass summary; '' when all are healthy. */
const describeUnhealthy = (list: readonly NotHealthy[]): string =>
  list.length === 0 ? '' : `; not healthy: ${list.map((n) => `${n.name} ${n.state}`).join(', ')}`;

/** "; held by suspension: recreate web-main, create web-db" for the pass summary; '' when nothing was held. */
const describeHeld = (results: readonly ActionResult[]): string => {
  const held = results.filter((r) => r.held);
  return held.length === 0
    ? ''
    : `; held by suspension: ${held.map((r) => `${r.action} ${r.name}`).join(', ')}`;
};

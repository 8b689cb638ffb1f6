/**
 * The parts of a pass that health adds, around plan and apply: before planning, a component
 * whose desired spec failed its rollout is given its last healthy spec; after applying, the
 * health board learns which instances are probed, a rollout that ran out of start_timeout or
 * crash-loops is rolled back, and what is not healthy is listed (the pass is then degraded).
 */

import { specHash } from '../../domain/hash.js';
import { probeAddress } from '../../domain/health.js';
import { nodeView } from '../../domain/node-view.js';
import type { Observed, ObservedInstance } from '../../domain/observed.js';
import type { ActionResult } from '../../domain/outcome.js';
import type { NotHealthy } from '../../domain/pass.js';
import type { Plan } from '../../domain/plan-types.js';
import { type RolledBack, rollbackMessage, staleMarks, withRollbacks } from '../../domain/rollback.js';
import type { Revision, ServiceSpec } from '../../domain/spec.js';
import type { StateStore } from '../../ports/state-store.js';
import type { HealthBoard, ProbeTarget, SteadyTarget } from './board.js';

/** The revision's services with failed specs replaced by their last healthy ones; stale marks cleared. */
export function rolledBackServices(
  store: StateStore,
  services: ServiceSpec[],
): { services: ServiceSpec[]; rolledBack: Map<string, RolledBack> } {
  const failed = store.failedSpecs();
  // The same list when nothing is rolled back: what is worked out per revision stays memoised.
  if (failed.size === 0) return { services, rolledBack: new Map() };
  for (const name of staleMarks(services, failed)) {
    store.clearFailed(name);
    failed.delete(name);
  }
  return withRollbacks(services, failed, failed.size > 0 ? store.lastHealthy() : new Map());
}

/**
 * The plan with each rolled-back component's action saying so (status shows why the old spec
 * runs) and naming the revision its spec comes from (its `mcp.revision` label).
 */
export const explainRollbacks = (plan: Plan, rolledBack: ReadonlyMap<string, RolledBack>): Plan =>
  rolledBack.size === 0
    ? plan
    : {
        ...plan,
        stages: plan.stages.map((stage) =>
          stage.map((a) => {
            const rb = rolledBack.get(a.name);
            if (!rb || (a.kind !== 'recreate' && a.kind !== 'unchanged' && a.kind !== 'create')) return a;
            const revision = rb.running.revision;
            return { ...a, reason: rb.message, ...(revision ? { revision } : {}) };
          }),
        ),
      };

/** Everything the pass hands over after apply. */
export interface AfterApply {
  store: StateStore;
  board: HealthBoard;
  node: string;
  revision: Revision;
  /** The services as planned (rolled-back specs substituted). */
  planned: readonly ServiceSpec[];
  rolledBack: ReadonlyMap<string, RolledBack>;
  observed: Observed;
  results: readonly ActionResult[];
  now?: number;
  /** True for a service a suspension covers: its failed rollouts are reported, never rolled back. */
  suspended?: (service: string) => boolean;
}

/**
 * Tells the board what is probed now, rolls back failed rollouts (true in `requeue` when it
 * did: the next pass recreates the old spec) and lists what keeps the pass from converging.
 */
export function afterApply(a: AfterApply): { unhealthy: NotHealthy[]; requeue: boolean } {
  const now = a.now ?? Date.now();
  const view = nodeView(a.planned, a.node);
  const done = new Map<string, ActionResult>();
  const restarted = new Set<string>();
  for (const r of a.results) {
    done.set(r.name, r);
    if (r.outcome === 'created' || r.outcome === 'recreated' || r.outcome === 'started')
      restarted.add(r.name);
  }
  /** Observed instances by name: running when any of that name runs. */
  const observed = new Map<string, ObservedInstance['state']>();
  for (const i of a.observed.instances)
    if (i.state === 'running' || !observed.has(i.name)) observed.set(i.name, i.state);
  const targets: ProbeTarget[] = [];
  const steady: SteadyTarget[] = [];
  for (const [name, spec] of view.active) {
    const outcome = done.get(name)?.outcome;
    // A VM whose guest never booted died at its start: its retries back off, and end crash-looping.
    if (done.get(name)?.error?.code === 'BOOT_TIMEOUT') a.board.died(name, specHash(spec));
    if (!(observed.has(name) || restarted.has(name))) continue;
    if (outcome === 'skipped' || outcome === 'stopped') continue;
    const imageId = a.observed.images[spec.image];
    // A rolled-back component runs the spec of an older revision: its health is that revision's.
    const revision = a.rolledBack.get(name)?.running.revision ?? a.revision.commit;
    const target = {
      name,
      spec,
      hash: specHash(spec),
      ...(revision ? { revision } : {}),
      ...(imageId ? { imageId } : {}),
    };
    if (spec.health) {
      const routes = spec.routes.map((r) => r.name);
      const address = probeAddress(spec, routes.length > 0 ? a.store.routePorts(name, routes) : {});
      targets.push({ ...target, ...(address ? { address } : {}) });
    } else if (outcome !== 'failed' && (observed.get(name) === 'running' || restarted.has(name)))
      steady.push(target);
  }
  a.board.track(targets, restarted);
  a.board.trackSteady(steady, restarted);

  const unhealthy: NotHealthy[] = [];
  let requeue = false;
  for (const t of targets) {
    const state = a.board.state(t.name);
    const rb = a.rolledBack.get(t.name);
    if (state === 'healthy') continue;
    const record = a.board.record(t.name)!;
    const waited = (now - record.startedAt) / 1000;
    const gate = a.board.gate(t.name, t.hash);
    const failure =
      gate.kind === 'looping'
        ? 'crash-looping'
        : waited >= t.spec.health!.startTimeout
          ? `${state} after ${t.spec.health!.startTimeout} s`
          : undefined;
    if (failure && !rb && rollBack(a, view.byName.get(t.spec.service)!, t, failure, now)) {
      requeue = true;
      unhealthy.push({ name: t.name, state: 'rolled-back', reason: failure });
      continue;
    }
    // Not healthy yet within start_timeout: the rollout is judged when it runs out.
    const pending = !failure && !a.board.turnedUnhealthy(t.name);
    if (state === 'starting' || state === 'unhealthy')
      unhealthy.push({
        name: t.name,
        state,
        ...(record.lastError ? { reason: record.lastError } : {}),
        ...(pending ? { pending } : {}),
      });
  }
  for (const [name, spec] of view.active) {
    const hash = specHash(spec);
    a.board.specIs(name, hash);
    const gate = a.board.gate(name, hash);
    const rb = a.rolledBack.get(name);
    if (rb) unhealthy.unshift({ name, state: 'rolled-back', reason: rb.message });
    if (gate.kind === 'looping' && !rb) {
      const target = { name, spec, hash, ...(a.revision.commit ? { revision: a.revision.commit } : {}) };
      if (rollBack(a, view.byName.get(spec.service)!, target, 'crash-looping', now)) {
        requeue = true;
        unhealthy.push({ name, state: 'rolled-back', reason: 'crash-looping' });
        continue;
      }
    }
    if (gate.kind === 'looping') unhealthy.push({ name, state: 'crash-looping', reason: gate.reason });
    else if (gate.kind === 'wait' && done.get(name)?.outcome === 'unchanged')
      unhealthy.push({ name, state: 'restarting', reason: gate.reason });
  }
  return { unhealthy: dedupe(unhealthy), requeue };
}

/** Marks the target's spec failed and records the rollback, when its service allows and a healthy spec exists. */
function rollBack(
  a: AfterApply,
  service: ServiceSpec,
  t: Pick<ProbeTarget, 'name' | 'spec' | 'hash' | 'revision'>,
  reason: string,
  now: number,
): boolean {
  if (service.rollback === false || a.suspended?.(service.name)) return false;
  const good = a.store.lastHealthy().get(t.name);
  if (!good || good.hash === t.hash) return false;
  const mark = {
    name: t.name,
    hash: t.hash,
    reason,
    at: new Date(now).toISOString(),
    ...(t.revision ? { revision: t.revision } : {}),
  };
  a.store.markFailed(mark);
  a.board.retry(t.name);
  a.store.addEvent({
    at: mark.at,
    kind: 'rolled-back',
    name: t.name,
    message: rollbackMessage(t.spec, mark, good),
    data: {
      from: t.revision ?? null,
      to: good.revision ?? null,
      fromHash: t.hash,
      toHash: good.hash,
      reason,
    },
  });
  return true;
}

const dedupe = (list: NotHealthy[]): NotHealthy[] => {
  const seen = new Set<string>();
  return list.filter((n) => {
    const key = `${n.name} ${n.state}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/**
 * What health allows a pass to do with one action, before it runs: a dependent is created or
 * started only once each dependency with a probe is healthy (it waits while the dependency is
 * starting, and is blocked once the dependency's start_timeout ran out); an instance that
 * keeps dying is started again only after its back-off, one that turned unhealthy after being
 * healthy is restarted once its back-off allows, and a crash loop is stopped and left so.
 */
import type { Action } from '../../domain/plan-types.js';
import type { ComponentSpec } from '../../domain/spec.js';
import type { HealthBoard } from './board.js';

/**
 * skip: not now (waiting marks a wait for a dependency's health, which a later pass retries;
 * held, an action a suspension holds); stop: stop it now (a crash loop); restart: stop and
 * start it (it turned unhealthy).
 */
export type GateDecision =
  | { kind: 'skip'; reason: string; waiting: boolean; held?: boolean }
  | { kind: 'stop'; reason: string }
  | { kind: 'restart'; reason: string };

/** A gate over `specs` (every desired component of the pass, by instance name). */
export const healthGate =
  (board: HealthBoard, specs: ReadonlyMap<string, ComponentSpec>, now: () => number = Date.now) =>
  (action: Action): GateDecision | undefined => {
    if (action.hash && action.spec) {
      const gate = board.gate(action.name, action.hash);
      if (gate.kind === 'looping') {
        if (action.kind === 'unchanged' && action.id) return { kind: 'stop', reason: gate.reason };
        if (action.kind === 'start' || action.kind === 'create' || action.kind === 'unchanged')
          return { kind: 'skip', reason: gate.reason, waiting: false };
      }
      if (gate.kind === 'wait' && (action.kind === 'start' || action.kind === 'create'))
        return { kind: 'skip', reason: gate.reason, waiting: true };
      if (
        gate.kind === 'go' &&
        action.kind === 'unchanged' &&
        action.id &&
        board.turnedUnhealthy(action.name)
      )
        return { kind: 'restart', reason: 'unhealthy after being healthy: restarted' };
    }
    if (action.kind !== 'create' && action.kind !== 'recreate' && action.kind !== 'start') return undefined;
    for (const dep of action.dependsOn ?? []) {
      const health = specs.get(dep)?.health;
      if (!health || board.state(dep) === 'healthy') continue;
      const record = board.record(dep);
      const waited = record ? (now() - record.startedAt) / 1000 : 0;
      if (record && waited >= health.startTimeout)
        return {
          kind: 'skip',
          reason: `blocked: ${dep} not healthy after ${health.startTimeout} s`,
          waiting: false,
        };
      return { kind: 'skip', reason: `waiting: ${dep} is ${record?.state ?? 'starting'}`, waiting: true };
    }
    return undefined;
  };

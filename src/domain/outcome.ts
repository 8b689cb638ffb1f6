/**
 * The fixed vocabulary of what happened to each instance in a pass, shared by logs, events,
 * the API and the CLI.
 */
import type { ActionKind } from './plan-types.js';

export type Outcome =
  | 'created'
  | 'recreated'
  | 'started'
  | 'stopped'
  | 'removed'
  | 'unchanged'
  | 'conflict'
  | 'skipped'
  | 'failed';

export const OUTCOMES: readonly Outcome[] = [
  'created',
  'recreated',
  'started',
  'stopped',
  'removed',
  'unchanged',
  'conflict',
  'skipped',
  'failed',
];

/** The outcome of an action that ran to completion. */
export const doneOutcome: Record<ActionKind, Outcome> = {
  create: 'created',
  recreate: 'recreated',
  start: 'started',
  stop: 'stopped',
  remove: 'removed',
  conflict: 'conflict',
  unchanged: 'unchanged',
};

/** What happened to one instance. */
export interface ActionResult {
  name: string;
  service: string;
  action: ActionKind;
  outcome: Outcome;
  reason: string;
  drift: boolean;
  durationMs: number;
  error?: { code: string; message: string };
}

/** All results of one applied plan. */
export interface ChangeSet {
  results: ActionResult[];
  counts: Record<Outcome, number>;
}

export const countOutcomes = (results: readonly ActionResult[]): Record<Outcome, number> => {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) counts[r.outcome]++;
  return counts;
};

/** "2 created, 1 recreated, 37 unchanged": the non-zero counts in vocabulary order. */
export const describeCounts = (counts: Record<Outcome, number>): string =>
  OUTCOMES.filter((o) => counts[o] > 0)
    .map((o) => `${counts[o]} ${o}`)
    .join(', ') || 'nothing to do';

/**
 * The fixed vocabulary of what happened to each instance in a pass, shared by logs, events,
 * the API and the CLI.
 */
import type { ErrorCode } from './errors.js';
import type { ActionKind } from './plan-types.js';

export type Outcome =
  | 'created'
  | 'recreated'
  | 'adopted'
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
  'adopted',
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
  adopt: 'adopted',
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
  error?: { code: ErrorCode; message: string };
  /** A skip that waits (for a dependency's health, or a back-off), not one that is blocked. */
  waiting?: true;
  /** A skip that a suspension holds (`mcp suspend`): the operator's choice, lifted by `mcp resume`. */
  held?: true;
}

/** All results of one applied plan. */
export interface ChangeSet {
  results: ActionResult[];
  counts: Record<Outcome, number>;
}

/** Instances per outcome, every outcome present: of a pass's results, or of a plan's actions. */
export const countOutcomes = (outcomes: Iterable<Outcome>): Record<Outcome, number> => {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const o of outcomes) counts[o]++;
  return counts;
};

/**
 * "2 created, 1 recreated, 37 unchanged": the non-zero counts in vocabulary order, the one
 * spelling of counts for passes and plans alike; `none` when all are zero.
 */
export const describeCounts = (counts: Record<Outcome, number>, none = 'nothing to do'): string =>
  OUTCOMES.filter((o) => counts[o] > 0)
    .map((o) => `${counts[o]} ${o}`)
    .join(', ') || none;

/**
 * The machine-readable result of `mcp plan`: per node, the actions its agent would take
 * (unchanged ones only counted). The text and markdown forms are both rendered from it.
 */

import { byString } from '../domain/order.js';
import { describeCounts, type Outcome } from '../domain/outcome.js';
import type { Action, ActionKind, FieldChange, Plan } from '../domain/plan-types.js';

/** One action as reported: its stage (1-based, among stages with changes) and what changes. */
export interface ReportedAction {
  stage: number;
  kind: Exclude<ActionKind, 'unchanged'>;
  name: string;
  service: string;
  component: string;
  reason: string;
  changes?: FieldChange[];
}

/** The plan of one node. */
export interface NodeReport {
  node: string;
  needsOverride: boolean;
  /** Instances per outcome, in the outcome words of a pass. */
  counts: Record<Outcome, number>;
  actions: ReportedAction[];
}

/** A revision as given on the command line and as resolved. */
export interface RevisionRef {
  ref: string;
  commit?: string;
}

/** The whole report; `changed` is what the exit code tells. */
export interface PlanReport {
  base: RevisionRef;
  head: RevisionRef;
  changed: boolean;
  nodes: NodeReport[];
}

const reported = (action: Action, stage: number): ReportedAction => ({
  stage,
  kind: action.kind as ReportedAction['kind'],
  name: action.name,
  service: action.service,
  component: action.component,
  reason: action.reason,
  ...(action.changes && action.changes.length > 0 ? { changes: action.changes } : {}),
});

/** A node's plan without its unchanged actions; stages renumbered from 1. */
export function nodeReport(plan: Plan): NodeReport {
  const actions: ReportedAction[] = [];
  let stage = 0;
  for (const actionsOfStage of plan.stages) {
    const changing = actionsOfStage.filter((a) => a.kind !== 'unchanged');
    if (changing.length === 0) continue;
    stage++;
    for (const a of changing) actions.push(reported(a, stage));
  }
  return { node: plan.node, needsOverride: plan.needsOverride, counts: plan.counts, actions };
}

/** The report of several nodes' plans, nodes in name order. */
export function planReport(base: RevisionRef, head: RevisionRef, plans: readonly Plan[]): PlanReport {
  const nodes = plans.map(nodeReport).sort((a, b) => byString(a.node, b.node));
  return { base, head, changed: nodes.some((n) => n.actions.length > 0), nodes };
}

/**
 * "1 created, 2 recreated, 1 removed" (or "no changes"): what the plan would leave, in the
 * outcome words a pass reports, with the unchanged count when asked.
 */
export function countsText(counts: Record<Outcome, number>, withUnchanged = false): string {
  const changes = describeCounts({ ...counts, unchanged: 0 }, '');
  const unchanged = withUnchanged && counts.unchanged > 0 ? `${counts.unchanged} unchanged` : '';
  if (changes === '') return unchanged ? `no changes (${unchanged})` : 'no changes';
  return unchanged ? `${changes}, ${unchanged}` : changes;
}

/** How a revision is named in headings: the ref and, when it differs, its short commit id. */
export const shortCommit = (r: RevisionRef): string =>
  r.commit && r.commit !== r.ref ? `${r.ref} (${r.commit.slice(0, 7)})` : r.ref;

/** `mcp plan` for a terminal: one block per node, actions by stage, changes indented below. */
import type { Style } from '../cli/style.js';
import { changeText } from './plan-changes.js';
import {
  countsText,
  type NodeReport,
  type PlanReport,
  type ReportedAction,
  shortCommit,
} from './plan-report.js';

const SYMBOL: Record<ReportedAction['kind'], string> = {
  create: '+',
  recreate: '~',
  start: '>',
  stop: '.',
  remove: '-',
  conflict: '!',
};

const colourOf = (kind: ReportedAction['kind'], s: Style): ((t: string) => string) =>
  kind === 'create'
    ? s.green
    : kind === 'recreate'
      ? s.yellow
      : kind === 'remove' || kind === 'conflict'
        ? s.red
        : s.cyan;

function nodeLines(n: NodeReport, s: Style): string[] {
  const lines = [`${s.bold(n.node)}: ${countsText(n.counts, true)}`];
  const width = Math.max(0, ...n.actions.map((a) => a.name.length));
  let stage = 0;
  for (const a of n.actions) {
    if (a.stage !== stage) {
      stage = a.stage;
      lines.push(s.dim(`  stage ${stage}`));
    }
    const colour = colourOf(a.kind, s);
    lines.push(
      `    ${colour(`${SYMBOL[a.kind]} ${a.kind.padEnd(8)}`)} ${a.name.padEnd(width)}  ${s.dim(a.reason)}`,
    );
    for (const c of a.changes ?? []) lines.push(`        ${changeText(c)}`);
  }
  if (n.needsOverride) {
    lines.push(
      s.red(
        "  ! removes most of this node's services: the agent applies it only with an explicit override (mcp sync --override NODE)",
      ),
    );
  }
  return lines;
}

/** The whole plan as terminal text (coloured through `style`). */
export function renderPlanText(report: PlanReport, style: Style): string {
  const head = `plan ${shortCommit(report.base)} -> ${shortCommit(report.head)}`;
  const blocks = report.nodes.map((n) => nodeLines(n, style).join('\n'));
  const tail = report.nodes.length === 0 ? ['no services on any node'] : [];
  return [style.bold(head), ...blocks, ...tail].join('\n\n');
}

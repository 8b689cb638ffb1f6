/**
 * `mcp plan` as a pull-request comment: a summary line per node, a warning for a mass
 * removal, and per node a collapsible block with the actions and their field changes.
 */
import type { FieldChange } from '../domain/plan-types.js';
import { changeParts } from './plan-changes.js';
import {
  countsText,
  type NodeReport,
  type PlanReport,
  type RevisionRef,
  shortCommit,
} from './plan-report.js';

/** The marker a CI job looks for to update its previous comment instead of adding one. */
export const PLAN_COMMENT_MARKER = '<!-- mcp-plan -->';

/** Inline code that survives backticks inside the value. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** ` (because `var.tag: v1 -> v2`)`, or ''. */
const because = (c: FieldChange): string =>
  c.because?.length ? ` (because ${c.because.map((b) => code(b)).join(', ')})` : '';

function changeLine(c: FieldChange): string {
  const p = changeParts(c);
  if (p.kind === 'value')
    return p.from === p.to
      ? `  - ${p.field} changed${because(c)}`
      : `  - ${p.field}: ${code(p.from)} → ${code(p.to)}${because(c)}`;
  const items = [...p.added.map((x) => `+${code(x)}`), ...p.removed.map((x) => `−${code(x)}`)];
  return `  - ${p.field}: ${items.join(', ')}${because(c)}`;
}

function details(n: NodeReport): string[] {
  const count = `${n.actions.length} ${n.actions.length === 1 ? 'action' : 'actions'}`;
  const lines = [`<details><summary><b>${escapeHtml(n.node)}</b>: ${count}</summary>`, ''];
  let stage = 0;
  for (const a of n.actions) {
    if (a.stage !== stage) {
      stage = a.stage;
      lines.push(`${stage > 1 ? '\n' : ''}Stage ${stage}:`, '');
    }
    lines.push(`- **${a.kind}** ${code(a.name)} — ${escapeHtml(a.reason)}`);
    for (const c of a.changes ?? []) lines.push(changeLine(c));
  }
  lines.push('', '</details>');
  return lines;
}

/** The whole plan as GitHub/Gitea-flavoured markdown. */
export function renderPlanMarkdown(report: PlanReport): string {
  const lines = [
    PLAN_COMMENT_MARKER,
    `### mcp plan: ${code(shortCommit(report.base))} → ${code(shortCommit(report.head))}`,
    '',
  ];
  if (report.nodes.length === 0) lines.push('No services on any node.');
  for (const n of report.nodes) lines.push(`- **${escapeHtml(n.node)}**: ${countsText(n.counts, true)}`);
  for (const n of report.nodes.filter((x) => x.needsOverride)) {
    lines.push(
      '',
      '> [!WARNING]',
      `> **${escapeHtml(n.node)}**: this change removes most of the node's services. ` +
        `Its agent will not apply it without an explicit override (${code(`mcp sync --override ${n.node}`)}).`,
    );
  }
  for (const n of report.nodes.filter((x) => x.actions.length > 0)) lines.push('', ...details(n));
  return lines.join('\n');
}

/** The comment for a head that fails validation: nothing of it would be applied. */
export function renderInvalidMarkdown(
  base: RevisionRef,
  head: RevisionRef,
  errors: readonly string[],
): string {
  return [
    PLAN_COMMENT_MARKER,
    `### mcp plan: ${code(shortCommit(base))} → ${code(shortCommit(head))}`,
    '',
    `**${code(shortCommit(head))} is invalid** (${errors.length} ${errors.length === 1 ? 'error' : 'errors'}): ` +
      'agents reject the whole revision and keep running the last valid one.',
    '',
    '~~~',
    ...errors,
    '~~~',
  ].join('\n');
}

/**
 * `mcp plan`: what a change of the services repository would do, per node, before it is
 * merged. Both revisions are read from git without a checkout; the base is assumed converged.
 */

import { resolve } from 'node:path';
import { loadRevisionFromGit } from '../../adapters/git/load.js';
import { McpError } from '../../domain/errors.js';
import { withoutJobs } from '../../domain/job.js';
import { plan } from '../../domain/plan.js';
import { fingerprintSecrets } from '../../domain/secrets.js';
import { explainCreates, simulateConverged } from '../../domain/simulate.js';
import type { Revision } from '../../domain/spec.js';
import { formatSpecError, type UncheckedFile } from '../../domain/spec-error.js';
import { renderInvalidMarkdown, renderPlanMarkdown } from '../../render/plan-markdown.js';
import { planReport, type RevisionRef } from '../../render/plan-report.js';
import { renderPlanText } from '../../render/plan-text.js';
import { style } from '../../render/style.js';
import type { LoadOptions } from '../../validate/load.js';
import { oneOf, parseCommandArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { cliAdmission } from '../policy-file.js';
import { uncheckedLines, uncheckedOf } from '../unchecked.js';

const FORMATS = ['text', 'json', 'markdown'] as const;

/** Usage of `mcp plan`. */
export const help = `usage: mcp plan --base REV [--head REV] [--repo DIR] [--path DIR] [--node NAME]
                [--format text|json|markdown] [--policy FILE | --no-policy]
       mcp plan --live [--head REV] [--repo DIR] [--path DIR] [--node NAME] [--format ...] [--config FILE]

Shows the actions each node's agent would take if the services repository moved from
revision --base to --head (branches, tags, commit ids, REV~N): creates, recreates with the
fields that change, starts, stops and removes, in dependency stages. Nothing is checked
out and no agent is asked: every node is assumed converged on --base.
Variables (\${var.NAME}) take the repository's values (nodes/<node>.toml); a service that
needs one only its node's agent knows is not planned on that node, and a note says so. A
field changed by a variable names it: image: x:v1 -> x:v2 (var.tag: v1 -> v2).

options:
  --base REV        the revision the nodes run now (required), e.g. origin/main
  --head REV        the proposed revision (default HEAD)
  --repo DIR        the services repository (default: the current directory)
  --path DIR        directory of the service files inside it (default services)
  --node NAME       only this node (default: every node of either revision)
  --format FORMAT   text (default), json, or markdown for a pull-request comment
  --policy FILE     check --head against FILE's admission policy (an agent config or an
                    [admission] table) instead of the default one every agent has
  --no-policy       check --head against the schema alone
  --live            plan --head (default HEAD of --repo, else of services.dir) against what
                    each node's agent observes now, drift included: its service files are
                    sent to the agents of mcp.toml (POST /v1/plan, read role), which plan
                    them and apply nothing; 69 / 77 when a node cannot answer

exit codes: 0 no changes, 2 changes, 1 head is invalid or breaks the admission policy
(every error is printed),
66 unknown revision or node, 64 bad usage.`;

const OPTIONS = {
  base: { type: 'string' },
  head: { type: 'string', default: 'HEAD' },
  repo: { type: 'string' },
  path: { type: 'string', default: 'services' },
  node: { type: 'string' },
  format: { type: 'string', default: 'text' },
  live: { type: 'boolean', default: false },
  config: { type: 'string', short: 'c' },
  policy: { type: 'string' },
  'no-policy': { type: 'boolean', default: false },
} as const;

async function load(repo: string, ref: string, path: string, opts?: LoadOptions) {
  return { ref, result: await loadRevisionFromGit(repo, ref, path, opts) };
}

/**
 * Both revisions without the services a side could not resolve on a node (variables only its
 * agent knows): what cannot be known is not planned, rather than shown as a create or removal.
 */
const withoutUnchecked = (revision: Revision, unchecked: readonly UncheckedFile[]): Revision => {
  const skip = new Set(unchecked.map((u) => `${u.node}\0${u.service}`));
  return { ...revision, services: revision.services.filter((s) => !skip.has(`${s.node}\0${s.name}`)) };
};

const nodesOf = (...revisions: Revision[]): string[] =>
  [...new Set(revisions.flatMap((r) => r.services.map((s) => s.node)))].sort();

/** One entry per file and node (the head's when both revisions could not resolve it). */
const headFirst = (unchecked: readonly UncheckedFile[]): UncheckedFile[] => {
  const seen = new Set<string>();
  return [...unchecked].reverse().filter((u) => {
    const key = `${u.node}\0${u.file}`;
    const fresh = !seen.has(key);
    seen.add(key);
    return fresh;
  });
};

/** Runs `mcp plan`; the exit code says no changes (0), changes (2) or invalid head (1). */
export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS, help, { max: 0 });
  const format = oneOf(values.format as string, FORMATS, '--format', help);
  if (values.live) return (await import('../plan-live.js')).runLivePlan(values, format, ctx);
  if (typeof values.base !== 'string') throw new McpError('USAGE', '--base is required', { usage: help });
  const repo = resolve(ctx.cwd, typeof values.repo === 'string' ? values.repo : '.');
  const path = values.path as string;
  if (typeof values.policy === 'string' && values['no-policy'])
    throw new McpError('USAGE', '--policy and --no-policy exclude each other', { usage: help });
  const admission = await cliAdmission({
    ...(typeof values.policy === 'string' && { policy: resolve(ctx.cwd, values.policy) }),
    noPolicy: values['no-policy'] === true,
  });
  // The base is what the nodes run: only the proposed head is held to the policy.
  const [base, head] = await Promise.all([
    load(repo, values.base, path),
    load(repo, values.head as string, path, admission.load),
  ]);
  const baseRef: RevisionRef = {
    ref: base.ref,
    ...(base.result.ok ? { commit: base.result.revision.commit } : {}),
  };
  const headRef: RevisionRef = {
    ref: head.ref,
    ...(head.result.ok ? { commit: head.result.revision.commit } : {}),
  };
  if (!head.result.ok) {
    const lines = head.result.errors.map(formatSpecError);
    if (format === 'json')
      ctx.out(
        JSON.stringify({ valid: false, base: baseRef, head: headRef, errors: head.result.errors }, null, 2),
      );
    else if (format === 'markdown') ctx.out(renderInvalidMarkdown(baseRef, headRef, lines));
    else
      ctx.err(
        [`mcp: ${head.ref} is invalid (${lines.length} errors):`, ...lines.map((l) => `  ${l}`)].join('\n'),
      );
    if (admission.note && format === 'text') ctx.err(admission.note);
    return EXIT.invalid;
  }
  if (!base.result.ok) {
    throw new McpError('INVALID_SPEC', `base ${base.ref} is invalid, so what the nodes run is unknown`, {
      errors: base.result.errors,
      hint: 'compare with the last valid revision of the base branch: --base REV',
    });
  }
  for (const w of [...(base.result.warnings ?? []), ...(head.result.warnings ?? [])])
    ctx.err(`warning: ${w}`);
  const node = values.node as string | undefined;
  const unchecked = uncheckedOf([...(base.result.unchecked ?? []), ...(head.result.unchecked ?? [])], node);
  // Jobs run around changes, they are not instances: the plan is of what keeps running.
  const from = withoutUnchecked(fingerprintSecrets(withoutJobs(base.result.revision)), unchecked);
  const to = withoutUnchecked(fingerprintSecrets(withoutJobs(head.result.revision)), unchecked);
  const known = nodesOf(from, to, base.result.revision, head.result.revision);
  if (node !== undefined && !known.includes(node)) {
    throw new McpError('NOT_FOUND', `no service of either revision runs on node ${node}`, {
      hint: `nodes: ${known.join(', ') || '(none)'}`,
    });
  }
  const plans = (node === undefined ? known : [node]).map((n) =>
    explainCreates(
      plan({ node: n, revision: to.commit, services: to.services, ...simulateConverged(from, n) }),
      from,
      to,
    ),
  );
  const report = planReport(baseRef, headRef, plans);
  const notPlanned = headFirst(unchecked);
  const notes = uncheckedLines(notPlanned);
  if (format === 'json') ctx.out(JSON.stringify({ valid: true, ...report, unchecked: notPlanned }, null, 2));
  else if (format === 'markdown')
    ctx.out(renderPlanMarkdown(report) + notes.map((n) => `\n> not planned: ${n}`).join('\n'));
  else {
    for (const n of notes) ctx.err(`note: not planned: ${n}`);
    ctx.out(renderPlanText(report, style(ctx)));
  }
  if (admission.note && format === 'text') ctx.err(admission.note);
  return report.changed ? EXIT.changes : EXIT.ok;
}

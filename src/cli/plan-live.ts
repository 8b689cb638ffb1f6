/**
 * `mcp plan --live`: "what will happen when this merges", asked of the agents themselves. The
 * revision's service files (default: the clone's HEAD) are sent to each node's agent
 * (POST /v1/plan, read role), which plans them against what it observes now, drift
 * included, and applies nothing.
 */
import { resolve } from 'node:path';
import { loadRevisionFromGit } from '../adapters/git/load.js';
import { McpError } from '../domain/errors.js';
import type { Plan } from '../domain/plan-types.js';
import { RECIPIENTS_FILE } from '../domain/secrets.js';
import { formatSpecError } from '../domain/spec-error.js';
import { describeSuspension, type Suspension, suspensionSubject } from '../domain/suspension.js';
import { renderInvalidMarkdown, renderPlanMarkdown } from '../render/plan-markdown.js';
import { planReport, type RevisionRef } from '../render/plan-report.js';
import { renderPlanText } from '../render/plan-text.js';
import { style } from '../render/style.js';
import { askNodes, worstError } from './agent-client.js';
import type { ParsedArgs } from './args.js';
import { loadCliConfigFor, readToken, selectNodes } from './config.js';
import type { CliContext } from './context.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

/** Runs the live plan; exit 0 no changes, 2 changes, 1 invalid revision, 69 / 77 a node failed. */
export const runLivePlan = async (
  values: ParsedArgs['values'],
  format: 'text' | 'json' | 'markdown',
  ctx: CliContext,
): Promise<number> => {
  if (values.base !== undefined)
    throw new McpError('USAGE', '--live plans against what the nodes run now: it takes no --base');
  const config = await loadCliConfigFor(ctx, values.config);
  const repo = resolve(ctx.cwd, (values.repo as string | undefined) ?? config.services?.dir ?? '.');
  const ref = values.head as string;
  const local = await loadRevisionFromGit(repo, ref, values.path as string);
  const { readFilesAtRef, readSecretsAtRef } = await import('../adapters/git/read-tree.js');
  const { readNodeFilesAtRef } = await import('../adapters/git/read-nodes.js');
  const { commit, files } = await readFilesAtRef(repo, ref, values.path as string);
  const secrets = await readSecretsAtRef(repo, commit, values.path as string);
  const nodeFiles = (await readNodeFilesAtRef(repo, commit, values.path as string)).files;
  const head: RevisionRef = { ref, commit };
  const base: RevisionRef = { ref: 'live' };
  if (!local.ok) {
    const errors = local.errors.map(formatSpecError);
    if (format === 'markdown') ctx.out(renderInvalidMarkdown(base, head, errors));
    else
      ctx.err(
        [`mcp: ${ref} is invalid (${errors.length} errors):`, ...errors.map((l) => `  ${l}`)].join('\n'),
      );
    return EXIT.invalid;
  }
  // valid, so every file is UTF-8 text; the agent reads them as services/<name>.toml and nodes/<node>.toml
  const as = (dir: string) => (f: { path: string; bytes: Uint8Array }) => ({
    path: `${dir}/${f.path.slice(f.path.lastIndexOf('/') + 1)}`,
    text: Buffer.from(f.bytes).toString('utf8'),
  });
  const posted = [
    ...files.map(as('services')),
    // with the node files, so each agent resolves the variables as it would the commit itself
    ...nodeFiles.map(as('nodes')),
    // The node decrypts them to compare values; they travel encrypted.
    ...(secrets.recipients !== undefined ? [{ path: RECIPIENTS_FILE, text: secrets.recipients }] : []),
    ...[...secrets.files].map(([path, bytes]) => ({ path, base64: Buffer.from(bytes).toString('base64') })),
  ];
  const nodes = selectNodes(config, typeof values.node === 'string' ? [values.node] : []);
  const body = new TextEncoder().encode(JSON.stringify({ commit, files: posted }));
  const answers = await askNodes<{ plan: Plan; suspensions?: Suspension[] }>(nodes, '/v1/plan', {
    method: 'POST',
    token: await readToken(config, ctx),
    body: body as Uint8Array<ArrayBuffer>,
  });
  const report = planReport(
    base,
    head,
    answers.flatMap((a) => (a.ok ? [a.body.plan] : [])),
  );
  if (format === 'json')
    ctx.out(
      JSON.stringify(
        {
          valid: true,
          ...report,
          suspensions: answers.flatMap((a) =>
            a.ok ? (a.body.suspensions ?? []).map((x) => ({ node: a.node.name, ...x })) : [],
          ),
          unreachable: answers.flatMap((a) => (a.ok ? [] : [{ node: a.node.name, error: a.error.toJSON() }])),
        },
        null,
        2,
      ),
    );
  else if (format === 'markdown') ctx.out(renderPlanMarkdown(report));
  else ctx.out(renderPlanText(report, style(ctx)));
  // The plan is what a resume would do: a suspension holds its actions until then.
  for (const a of answers)
    for (const x of a.ok ? (a.body.suspensions ?? []) : [])
      ctx.err(
        `note: ${a.node.name}: ${suspensionSubject(x)} ${describeSuspension(x)}; its actions above are held until mcp resume`,
      );
  for (const a of answers) if (!a.ok) ctx.err(`mcp: ${a.error.message}`);
  const worst = worstError(answers);
  if (worst) return exitCodeOf(worst.code);
  return report.changed ? EXIT.changes : EXIT.ok;
};

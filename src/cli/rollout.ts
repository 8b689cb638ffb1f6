/**
 * What `mcp deploy`, `mcp stop` and `mcp start` share: change desired state the GitOps way.
 * Validate the services clone, apply the command's edit, commit, push, then wait until each
 * affected node's agent reports that commit converged (nudging it with a reconcile when the
 * token allows, else waiting for its webhook or interval).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadRevisionFromDir } from '../adapters/dir/load.js';
import { gitConfigValue, resolveIdentities } from '../adapters/git/identity.js';
import { commitAndPush } from '../adapters/git/push.js';
import { signingConfig } from '../adapters/git/sign.js';
import { McpError } from '../domain/errors.js';
import { settled } from '../domain/pass.js';
import { formatSpecError } from '../domain/spec-error.js';
import type { CliConfig } from '../generated/cli.js';
import { style } from '../render/style.js';
import type { LoadOptions } from '../validate/load.js';
import type { SeenRevision, ServicesAnswer, StatusAnswer } from '../wire/api.js';
import { askNodes } from './agent-client.js';
import { type Node, readToken } from './config.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { cliAdmission } from './policy-file.js';
import { errorLines, progressLines, rollbackLines } from './rollout-progress.js';
import { refuseUnsigned } from './signing-check.js';
import { editFilesChecked } from './toml-edit.js';

export interface RolloutOptions {
  repo?: string;
  services: string[];
  /** The command's verb, for the commit message: "deploy", "stop", "start". */
  verb: string;
  message?: string;
  wait: boolean;
  timeoutSeconds: number;
  /**
   * Rewrites a service file's text (stop / start); deploy commits the files as they are.
   * Edited files that leave the clone invalid are put back byte for byte.
   */
  edit?: (text: string, file: string) => string;
  /**
   * Paths (relative to the clone) to commit instead of the services' own files: `mcp secret`
   * commits the secret files it wrote, and the services name the nodes to wait for.
   */
  files?: readonly string[];
  /** The admission policy the clone is checked against (default: the agents' default). */
  policy?: string;
  noPolicy?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const loadValid = async (dir: string, ctx: CliContext, admission: { load: LoadOptions; note?: string }) => {
  const result = await loadRevisionFromDir(dir, admission.load);
  if (result.ok) return result.revision;
  ctx.err(result.errors.map((e) => style(ctx).red(formatSpecError(e))).join('\n'));
  if (admission.note) ctx.err(admission.note);
  throw new McpError('INVALID_SPEC', `the services clone ${dir} is invalid: nothing committed`);
};

/** The node's verdict when it will not apply `commit` without help: rejected (invalid) or held. */
const refusedAt = (status: StatusAnswer, commit: string): SeenRevision | undefined => {
  const newest = status.newest;
  return newest?.commit === commit && (newest.fate === 'rejected' || newest.fate === 'held')
    ? newest
    : undefined;
};

/** How often the node's status is asked while waiting. */
const STATUS_POLL_MS = 1000;
/** How often a terminal's progress view is asked: often enough to see a create or a start go by. */
const PROGRESS_POLL_MS = 250;

/**
 * Waits for one node's agent to report `commit` with a settled pass (converged, or nothing of
 * it still starting: healthy, not only running), or to refuse it; returns that pass or
 * verdict. On a terminal, prints a line per component of `services` as its phase (pulling,
 * creating, starting, ...), state or health changes; there the nudge does not wait for its
 * pass, so the progress of that very pass is seen.
 */
const awaitNode = async (
  node: Node,
  commit: string,
  token: string | undefined,
  until: number,
  ctx: CliContext,
  services: ReadonlySet<string>,
) => {
  const seen = new Map<string, string>();
  const [nudge] = await askNodes<unknown>([node], ctx.tty ? '/v1/reconcile' : '/v1/reconcile?wait=true', {
    method: 'POST',
    token,
    timeoutMs: until - Date.now(),
  });
  if (!nudge.ok && (nudge.error.code === 'UNAUTHORIZED' || nudge.error.code === 'FORBIDDEN'))
    ctx.err(`${node.name}: no operate token; waiting for the agent's webhook or interval`);
  const showProgress = async () => {
    const [view] = await askNodes<ServicesAnswer>([node], '/v1/services', { token });
    if (view.ok) for (const line of progressLines(node.name, view.body, services, seen)) ctx.out(line);
  };
  for (let asked = 0; ; ) {
    if (Date.now() - asked >= STATUS_POLL_MS) {
      asked = Date.now();
      const [answer] = await askNodes<StatusAnswer>([node], '/v1/status', { token });
      const pass = answer.ok ? answer.body.lastPass : null;
      // The view after the verdict, so the last line shows the state the verdict is about.
      if (ctx.tty) await showProgress();
      if (pass?.revision === commit && settled(pass)) return pass;
      const stopped = answer.ok ? refusedAt(answer.body, commit) : undefined;
      if (stopped) return stopped;
      if (Date.now() > until) return undefined;
    } else if (ctx.tty) await showProgress();
    await sleep(ctx.tty ? PROGRESS_POLL_MS : STATUS_POLL_MS);
  }
};

export const rollout = async (ctx: CliContext, config: CliConfig, opts: RolloutOptions): Promise<number> => {
  const dir = resolve(ctx.cwd, opts.repo ?? config.services?.dir ?? '.');
  if (opts.policy !== undefined && opts.noPolicy)
    throw new McpError('USAGE', '--policy and --no-policy exclude each other');
  const admission = await cliAdmission({
    ...(opts.policy !== undefined && { policy: resolve(ctx.cwd, opts.policy) }),
    noPolicy: opts.noPolicy,
  });
  const before = await loadValid(dir, ctx, admission);
  const specs = opts.services.map((name) => {
    const spec = before.services.find((s) => s.name === name);
    if (!spec) throw new McpError('NOT_FOUND', `no service named ${name} in ${dir}`);
    return spec;
  });
  const specFiles = specs.map((s) => s.file);
  const who = await resolveIdentities(dir, ctx.env, {
    name: config.services?.author_name,
    email: config.services?.author_email,
  });
  if (opts.edit) {
    const edit = opts.edit;
    const edits = new Map(
      specFiles.map((file) => [join(dir, file), (text: string) => edit(text, file)] as const),
    );
    await editFilesChecked(edits, () => loadValid(dir, ctx, admission));
  }
  const sign = await signingConfig(gitConfigValue(dir, ctx.env), ctx.env);
  const names = [...new Set(specs.map((s) => s.node))];
  const nodes = names.flatMap((name) => {
    const node = (config.nodes ?? []).find((n) => n.name === name);
    return node ? [node] : [];
  });
  const apiToken = await readToken(config, ctx);
  if (!sign) await refuseUnsigned(nodes, apiToken);
  const token = config.services?.token_path
    ? (await readFile(config.services.token_path, 'utf8')).trim()
    : ctx.env.MCP_GIT_TOKEN;
  const pushed = await commitAndPush({
    dir,
    files: opts.files ?? specFiles,
    message: opts.message ?? `${opts.verb} ${opts.services.join(', ')}`,
    branch: config.services?.branch ?? 'main',
    url: config.services?.remote,
    username: config.services?.username,
    token,
    ...who,
    sign,
  });
  const short = pushed.commit.slice(0, 7);
  ctx.out(`${pushed.committed ? 'committed and pushed' : 'nothing to commit; pushed'} ${short}`);
  if (!opts.wait) return EXIT.ok;

  for (const name of names)
    if (!nodes.some((n) => n.name === name))
      ctx.err(`${name}: not in mcp.toml [[nodes]]; not waiting for it`);
  const until = Date.now() + opts.timeoutSeconds * 1000;
  const deployed = new Set(opts.services);
  const passes = await Promise.all(
    nodes.map((n) => awaitNode(n, pushed.commit, apiToken, until, ctx, deployed)),
  );
  let code: number = EXIT.ok;
  nodes.forEach((node, i) => {
    const pass = passes[i];
    if (!pass) {
      ctx.out(`${node.name}: not at ${short} within ${opts.timeoutSeconds} s`);
      code = EXIT.notConverged;
      return;
    }
    if ('fate' in pass) {
      const why =
        pass.fate === 'held'
          ? `it would remove ${pass.wouldRemove.join(', ')}; release it with mcp sync --override ${node.name}`
          : (pass.errors[0]?.message ?? 'invalid');
      ctx.out(`${node.name}: ${short} ${pass.fate}: ${why}`);
      code = EXIT.notConverged;
      return;
    }
    ctx.out(`${node.name}: ${pass.result} ${short} in ${pass.durationMs} ms: ${pass.summary}`);
    for (const line of [...errorLines(node.name, pass), ...rollbackLines(node.name, pass)]) ctx.out(line);
    if (pass.result !== 'converged') code = EXIT.notConverged;
  });
  return code;
};

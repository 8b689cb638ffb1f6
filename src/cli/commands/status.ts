/** `mcp status`: each node's applied revision, its newest when not applied, its last pass and why. */
import { describeSuspension, suspensionSubject } from '../../domain/suspension.js';
import { type Style, style } from '../../render/style.js';
import type { Problem, StatusAnswer } from '../../wire/api.js';
import type { NodeAnswer } from '../agent-client.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { ago, askFromArgs, finish, NODE_HELP, NODE_OPTIONS, printJson, table } from '../nodes.js';
import { nodeDetail, serviceStatus } from '../status-detail.js';
import { versionSkew } from '../version-skew.js';

export const help = `usage: mcp status [NODE...|SERVICE] [--config FILE] [--json] [-v]

Asks each node's agent for its state: the revision it applied, the result of its last
pass (converged; progressing: nothing wrong, still waiting for instances to start, dependents
or back-offs; degraded: something is wrong; failed), when that was, what it did, and the first reason it
did not simply converge (code and one line). When the newest revision the agent has seen
is not the applied one, NEWEST shows it with its fate: applying, pending, rejected (invalid)
or held (a mass removal waiting for \`mcp sync --override NODE\`). With one NODE, also that
node's services; with one SERVICE (a name that is not a node), that service's components
(state, image, ports, revision, uptime) and its last 10 events. Below the
table, one line per instance that keeps a node from converging although nothing failed:
not healthy yet, unhealthy, restarting, crash-looping or rolled back, and why; and one line
per suspension (mcp suspend): since when, by which token, why. A suspension that holds
an action (drift it does not repair, a change it does not apply) makes the pass degraded
with the reason SUSPENDED naming what it holds. When the agents that answer run different
versions, a warning on stderr says which node runs which.

  -v, --verbose  every reason of every node, and what a held revision would remove
${NODE_HELP}
exit code 0 when every node converged at its newest revision; 5 when nothing is wrong but a
node is still progressing; 6 when so, but a node or service is suspended (nothing held now,
yet nothing will be repaired there until mcp resume); 4 when a node is degraded (a
suspension holding an action included), failed, has no pass yet, or has not applied its
newest revision.`;

/** The newest revision, when it is not the applied one. */
const newestApart = (b: StatusAnswer): StatusAnswer['newest'] =>
  b.newest && (b.newest.fate !== 'applied' || b.newest.commit !== b.applied?.commit) ? b.newest : null;

/** Every reason a node gives, the newest revision's first, each once. */
export const reasonsOf = (b: StatusAnswer): Problem[] => {
  const all = [...(newestApart(b)?.errors ?? []), ...(b.lastPass?.errors ?? [])];
  const seen = new Set<string>();
  return all.filter((p) => {
    const key = `${p.code} ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** True when nothing is wrong on the node: converged, or progressing at the newest revision it has seen. */
const isProgressing = (b: StatusAnswer): boolean =>
  (b.lastPass?.result === 'converged' || b.lastPass?.result === 'progressing') && newestApart(b) === null;

/** True when the node converged at the newest revision it has seen. */
export const isConverged = (b: StatusAnswer): boolean =>
  b.lastPass?.result === 'converged' && newestApart(b) === null;

const oneLine = (p: Problem): string => `${p.code} ${p.name ? `${p.name}: ` : ''}${p.message}`;

const row = (a: NodeAnswer<StatusAnswer>, s: Style, withNewest: boolean): string[] => {
  const colour = { converged: s.green, progressing: s.cyan, degraded: s.yellow, failed: s.red } as const;
  if (!a.ok)
    return [
      a.node.name,
      s.red('unreachable'),
      '-',
      ...(withNewest ? ['-'] : []),
      '-',
      '-',
      oneLine({ code: a.error.code, message: a.error.message }),
    ];
  const b = a.body;
  const pass = b.lastPass;
  const newest = newestApart(b);
  const reasons = reasonsOf(b);
  const more = reasons.length > 1 ? ` (+${reasons.length - 1} more, -v)` : '';
  return [
    a.node.name,
    pass ? colour[pass.result](pass.result) : 'no pass yet',
    b.applied?.commit?.slice(0, 7) ?? '-',
    ...(withNewest ? [newest ? `${newest.commit?.slice(0, 7) ?? 'dir'} ${newest.fate}` : '-'] : []),
    pass ? `${ago(pass.at)} (${pass.durationMs} ms)` : '-',
    pass?.summary ?? '-',
    reasons.length ? `${oneLine(reasons[0])}${more}` : '',
  ];
};

/** The VMs' accelerator as the agent reports it (agents before it was added say nothing). */
const vmLine = (vm: StatusAnswer['vm']): string[] => (vm ? [`  VMs: ${accelText(vm)}`] : []);

/** The accelerator, or why there is none yet; a cached decision names the boot and QEMU it holds for. */
export const accelText = (vm: NonNullable<StatusAnswer['vm']>): string => {
  if ('probing' in vm) return 'probing the accelerator';
  if ('undecided' in vm) return `accelerator not decided (${vm.reason})`;
  const cached =
    vm.source === 'cache' && vm.key
      ? `; from the cache for boot ${vm.key.bootId}, ${vm.key.qemuVersion}${vm.probedAt ? `, probed ${vm.probedAt}` : ''}`
      : '';
  return `${vm.accel} (${vm.reason}${cached})`;
};

/** -v: every reason of each node that has one, what a held revision would remove, the VMs' accelerator. */
const details = (answers: readonly NodeAnswer<StatusAnswer>[]): string[] =>
  answers.flatMap((a) => {
    if (!a.ok) return [];
    const newest = newestApart(a.body);
    const lines = [
      ...(newest
        ? [`  newest ${newest.commit ?? '(directory)'}: ${newest.fate}, seen ${ago(newest.at)}`]
        : []),
      ...(newest?.wouldRemove.length ? [`  it would remove: ${newest.wouldRemove.join(', ')}`] : []),
      ...(a.body.applying
        ? [`  applying ${a.body.applying.commit ?? '(directory)'} since ${ago(a.body.applying.since)}`]
        : []),
      ...reasonsOf(a.body).map((p) => `  ${oneLine(p)}`),
      ...(a.body.trust ? [`  source: ${a.body.source}, ${a.body.trust}`] : []),
      ...vmLine(a.body.vm),
    ];
    return lines.length ? ['', `${a.node.name}:`, ...lines] : [];
  });

/** One line per instance a node's last pass found not healthy (or rolled back), with why. */
const healthLines = (answers: readonly NodeAnswer<StatusAnswer>[], s: Style): string[] =>
  answers.flatMap((a) =>
    a.ok
      ? (a.body.lastPass?.unhealthy ?? []).map(
          (u) => `${a.node.name}: ${u.name} ${s.yellow(u.state)}${u.reason ? `: ${u.reason}` : ''}`,
        )
      : [],
  );

/** One line per suspension in force: a suspended node is never mistaken for a watched one. */
const suspensionLines = (answers: readonly NodeAnswer<StatusAnswer>[], s: Style): string[] =>
  answers.flatMap((a) =>
    a.ok
      ? (a.body.suspensions ?? []).map(
          (x) => `${a.node.name}: ${suspensionSubject(x)} ${s.yellow(describeSuspension(x))}`,
        )
      : [],
  );

/** A node whose desired state no signature vouches for says so, so nobody believes otherwise. */
const unverifiedLines = (answers: readonly NodeAnswer<StatusAnswer>[]): string[] =>
  answers.flatMap((a) =>
    a.ok && a.body.trust?.startsWith('not verified')
      ? [`${a.node.name}: source ${a.body.source} ${a.body.trust}`]
      : [],
  );

const EXTRA = { verbose: { type: 'boolean', short: 'v', default: false } } as const;
const STATUS_OPTIONS = { ...NODE_OPTIONS, ...EXTRA };

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const service = await serviceStatus(args, ctx, help, STATUS_OPTIONS);
  if (service !== undefined) return service;
  const { answers, json, flags } = await askFromArgs<StatusAnswer>(args, ctx, help, '/v1/status', {}, EXTRA);
  if (json) printJson(ctx, answers);
  else {
    const withNewest = answers.some((a) => a.ok && newestApart(a.body) !== null);
    const head = [
      'NODE',
      'RESULT',
      'REVISION',
      ...(withNewest ? ['NEWEST'] : []),
      'LAST PASS',
      'SUMMARY',
      'REASON',
    ];
    ctx.out(table([head, ...answers.map((a) => row(a, style(ctx), withNewest))]));
    for (const line of healthLines(answers, style(ctx))) ctx.out(line);
    for (const line of suspensionLines(answers, style(ctx))) ctx.out(line);
    for (const line of unverifiedLines(answers)) ctx.out(line);
    if (flags.verbose) for (const line of details(answers)) ctx.out(line);
  }
  const skew = versionSkew(answers);
  if (skew) ctx.err(skew);
  const failed = finish(ctx, answers);
  if (failed !== EXIT.ok) return failed;
  if (!json) await nodeDetail(args, ctx, help, STATUS_OPTIONS);
  const suspended = answers.some((a) => a.ok && (a.body.suspensions ?? []).length > 0);
  if (answers.every((a) => a.ok && isConverged(a.body))) return suspended ? EXIT.suspended : EXIT.ok;
  if (!answers.every((a) => a.ok && isProgressing(a.body))) return EXIT.notConverged;
  return suspended ? EXIT.suspended : EXIT.progressing;
}

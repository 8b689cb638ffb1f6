/**
 * `mcp status SERVICE` and `mcp status NODE`: one service's components (state, health, image, ports,
 * revision, uptime as the runtime reports it) or every service of one node, and the last 10 events
 * about them,  all as the node's agent reports them (GET /v1/services, /v1/ps, /v1/spec, /v1/instances, /v1/events).
 */
import { McpError } from '../domain/errors.js';
import { portsText, type ServiceSpec } from '../domain/spec.js';
import { describeSuspension, suspensionSubject } from '../domain/suspension.js';
import type { CliConfig } from '../generated/cli.js';
import type { EventRecord, JobAnswer, PsAnswer, ServicesAnswer } from '../wire/api.js';
import { askNodes } from './agent-client.js';
import { parseCommandArgs } from './args.js';

type Options = Parameters<typeof parseCommandArgs>[1];

import { loadCliConfigFor, type Node, readToken, selectNodes } from './config.js';
import type { CliContext } from './context.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { activityText, ago, NODE_OPTIONS, table } from './nodes.js';

/** "up 12 s", "up 5 min", from the runtime's start time. */
const uptime = (startedAt: string): string => `up ${ago(startedAt).replace(/ ago$/, '')}`;

const portsOf = (spec: ServiceSpec | undefined, component: string): string => {
  const c = spec?.components.find((x) => x.name === component);
  return c ? portsText(c).join(', ') || '-' : '-';
};

/** What one node says about `services` (all of the node's when undefined); printed, returns the exit code. */
const printDetail = async (
  ctx: CliContext,
  node: Node,
  token: string | undefined,
  only: string | undefined,
  json: boolean,
): Promise<number> => {
  const [services, ps, events] = await Promise.all([
    askNodes<ServicesAnswer>([node], '/v1/services', { token }),
    askNodes<PsAnswer>([node], '/v1/ps', { token }),
    askNodes<{ events: EventRecord[] }>([node], '/v1/events?limit=1000', { token }),
  ]);
  const [s] = services;
  if (!s.ok) {
    ctx.err(`mcp: ${s.error.message}`);
    return exitCodeOf(s.error.code);
  }
  const chosen = s.body.services.filter((x) => only === undefined || x.name === only);
  if (only !== undefined && chosen.length === 0) {
    ctx.err(`mcp: no service ${only} on node ${node.name} in the revision it applied`);
    return EXIT.notFound;
  }
  /** Per service: its spec in force (ports) and its instances as the runtime says now (start times). */
  const perService = await Promise.all(
    chosen.map(async (x) => {
      const q = encodeURIComponent(x.name);
      const [[spec], [live]] = await Promise.all([
        askNodes<{ spec: ServiceSpec }>([node], `/v1/spec?service=${q}`, { token }),
        askNodes<{ instances: { name: string; startedAt: string | null }[] }>(
          [node],
          `/v1/instances?service=${q}`,
          {
            token,
          },
        ),
      ]);
      return {
        spec: spec.ok ? spec.body.spec : undefined,
        startedAt: new Map((live.ok ? live.body.instances : []).map((i) => [i.name, i.startedAt])),
      };
    }),
  );
  const jobs = chosen.flatMap((x) => x.jobs ?? []);
  const instances = new Set([
    ...chosen.flatMap((x) => x.components.map((c) => c.instance)),
    ...jobs.map((j) => j.instance),
  ]);
  const all = events[0].ok ? events[0].body.events : [];
  const mine = all.filter((e) => e.name !== undefined && instances.has(e.name));
  const revisionOf = new Map((ps[0].ok ? ps[0].body.instances : []).map((i) => [i.name, i.revision]));
  const rows = chosen.flatMap((x, n) =>
    x.components.map((c) => ({
      service: x.name,
      component: c.name,
      instance: c.instance,
      state: x.active ? c.state : `${c.state} (inactive)`,
      activity: c.activity ?? null,
      health: c.health ?? 'none',
      healthNote: c.healthNote ?? null,
      image: c.image,
      ports: portsOf(perService[n].spec, c.name),
      revision: revisionOf.get(c.instance) ?? null,
      startedAt: perService[n].startedAt.get(c.instance) ?? null,
      pull: c.pull ?? 'missing',
      digest: c.digest ?? null,
    })),
  );
  const recent = mine.slice(0, 10);
  if (json) {
    ctx.out(
      JSON.stringify(
        {
          node: node.name,
          revision: s.body.revision,
          runtimeError: s.body.runtimeError,
          suspended: chosen.flatMap((x) => (x.suspended ? [{ service: x.name, ...x.suspended }] : [])),
          components: rows,
          jobs,
          events: recent,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  ctx.out(
    `${only ? `${only} on ` : ''}${node.name}, revision in force ${s.body.revision?.slice(0, 7) ?? '-'}`,
  );
  if (s.body.runtimeError) ctx.out(`the runtime cannot be observed: ${s.body.runtimeError}`);
  const suspended = new Set(
    chosen.flatMap((x) =>
      x.suspended ? [`${suspensionSubject(x.suspended)} ${describeSuspension(x.suspended)}`] : [],
    ),
  );
  for (const line of suspended) ctx.out(`${line}: the agent acts on nothing there until mcp resume`);
  ctx.out(
    table([
      ['SERVICE', 'COMPONENT', 'STATE', 'HEALTH', 'IMAGE', 'PORTS', 'REVISION', 'UPTIME'],
      ...rows.map((r) => [
        r.service,
        r.component,
        r.activity ? `${r.state}, ${activityText(r.activity)}` : r.state,
        r.health,
        r.image,
        r.ports,
        r.revision?.slice(0, 7) ?? '-',
        r.startedAt && r.state === 'running' ? uptime(r.startedAt) : '-',
      ]),
    ]),
  );
  for (const r of rows) if (r.healthNote) ctx.out(`${r.instance}: ${r.healthNote}`);
  for (const j of jobs) ctx.out(jobLine(j));
  for (const r of rows)
    if (r.pull !== 'missing')
      ctx.out(`${r.instance}: pull = "${r.pull}", running digest ${r.digest ?? 'unknown'}`);
  ctx.out('');
  ctx.out(recent.length ? `last ${recent.length} events:` : 'no events');
  for (const e of recent) ctx.out(`  ${e.at}  ${e.kind.padEnd(10)} ${e.name ?? ''}  ${e.message}`);
  return EXIT.ok;
};

/** `job app-migrate (pre-deploy): failed 2026-12-04T06:00:00Z after 1.2 s: exit 3; its log ends: ...` */
const jobLine = (j: JobAnswer): string => {
  const head = `job ${j.instance} (${j.when})`;
  const run = j.lastRun;
  if (!run) return `${head}: has not run`;
  if (run.result === 'pending') return `${head}: waits for the change to be healthy (since ${run.at})`;
  const took = `${(run.durationMs / 1000).toFixed(1)} s`;
  if (run.result === 'succeeded') return `${head}: succeeded ${run.at} in ${took}`;
  const tail = run.logTail.length ? `; its log ends: ${run.logTail.slice(-3).join(' | ')}` : '';
  return `${head}: failed ${run.at} after ${took}: ${run.reason ?? 'failed'}${tail}`;
};

/**
 * `mcp status X` with one name: the service X (when X is not a node of mcp.toml) in detail,
 * else undefined so the node table is printed; `nodeDetail` then adds the node's services.
 */
export const serviceStatus = async (
  args: string[],
  ctx: CliContext,
  help: string,
  options: Options = NODE_OPTIONS,
): Promise<number | undefined> => {
  const { values, positionals } = parseCommandArgs(args, options, help);
  if (positionals.length !== 1) return undefined;
  const config: CliConfig = await loadCliConfigFor(ctx, values.config);
  if ((config.nodes ?? []).some((n) => n.name === positionals[0])) return undefined;
  const token = await readToken(config, ctx);
  const answers = await askNodes<ServicesAnswer>(selectNodes(config, []), '/v1/services', { token });
  const holder = answers.find((a) => a.ok && a.body.services.some((x) => x.name === positionals[0]));
  if (!holder) {
    for (const a of answers) if (!a.ok) ctx.err(`mcp: ${a.error.message}`);
    const nodes = (config.nodes ?? []).map((n) => n.name).join(', ');
    throw new McpError(
      'NOT_FOUND',
      `no node named ${positionals[0]}, and no node that answered runs a service of that name`,
      {
        hint: `nodes: ${nodes}`,
      },
    );
  }
  const node = holder.node;
  return printDetail(ctx, node, token, positionals[0], values.json === true);
};

/** After the table of `mcp status NODE` (one node, not --json): that node's services and last events. */
export const nodeDetail = async (
  args: string[],
  ctx: CliContext,
  help: string,
  options: Options = NODE_OPTIONS,
): Promise<void> => {
  const { values, positionals } = parseCommandArgs(args, options, help);
  if (positionals.length !== 1 || values.json) return;
  const config = await loadCliConfigFor(ctx, values.config);
  const node = (config.nodes ?? []).find((n) => n.name === positionals[0]);
  if (!node) return;
  ctx.out('');
  await printDetail(ctx, node, await readToken(config, ctx), undefined, false);
};

/**
 * The agent's API under /v1: what an operator's `mcp status` / `ps` / `sync` and a git
 * server's webhook ask of one node. Handlers read the registry and the runtime's cached view
 * (no podman call per request in the steady state) and trigger passes through the scheduler.
 */

import type { IncomingHttpHeaders } from 'node:http';
import type { AccelStatus } from '../../domain/accel.js';
import type { Activity, ActivityPhase } from '../../domain/activity.js';
import { asMcpError, McpError } from '../../domain/errors.js';
import type { HealthRecord, HealthState } from '../../domain/health.js';
import { splitJobs } from '../../domain/job.js';
import { LABEL, type ObservedInstance } from '../../domain/observed.js';
import { byName } from '../../domain/order.js';
import type { ActionResult } from '../../domain/outcome.js';
import type { Plan } from '../../domain/plan-types.js';
import { instanceName, portsText } from '../../domain/spec.js';
import { suspensionOf } from '../../domain/suspension.js';
import type { InstanceRuntime } from '../../ports/instance-runtime.js';
import type { StateStore } from '../../ports/state-store.js';
import { packageVersion } from '../../version.js';
import type { AdoptAnswer, AdoptedInstance } from '../../wire/api.js';
import type { PlanRequest } from '../live-plan.js';
import type { OverrideLatch } from '../override.js';
import type { Role } from './auth.js';
import { fileTarget, pullFile, pushFile } from './files.js';
import { pageRoutes } from './page.js';
import type { EventSource } from './sse.js';
import { statusBody } from './status.js';

/** What the API needs of a running agent. */
export interface ApiContext {
  node: string;
  /** The version GET /v1/status reports; default this install's (package.json). */
  version?: string;
  /** The source's description (URL#branch or directory). */
  source: string;
  /** How the node trusts the source's commits (signed only, any, or a directory not verified). */
  trust?: string;
  /** Pushes to other branches are acknowledged and ignored; undefined: every push triggers. */
  branch?: string;
  store: StateStore;
  /** Every runtime of the node (containers, VMs). */
  runtimes: readonly InstanceRuntime[];
  /** Asks for a pass; resolves when a pass that started after the call has finished. */
  trigger(reason: string): Promise<void>;
  /** A new revision is likely (a push, mcp sync): the revision loader gets ready while the fetch runs. */
  warm?(): void;
  /** One round of the digest check of `pull = "newer"` images, before a pass asked for by mcp sync. */
  checkImages?(): Promise<unknown>;
  /** Asks the next pass to adopt the unmanaged containers `names`; resolves with its results for them. */
  adopt(names: readonly string[]): Promise<ActionResult[]>;
  /** Forgets the crash loop of instance `name` so the next pass starts it; false when it had none. */
  retry?(name: string): boolean;
  /** File push / pull reaches `<filesRoot>/<service>/` only. */
  filesRoot: string;
  /** The VMs' accelerator and why it was chosen, or that it is being probed or not decided yet. */
  accelerator?: () => AccelStatus;
  /** How long an imperative restart waits for an instance to stop (the runtime's stop timeout). */
  stopTimeoutSeconds?: number;
  /** Loads and plans posted service files against what the node observes now, applying nothing (POST /v1/plan). */
  planFiles?: (request: PlanRequest) => Promise<Plan>;
  /** Where a release of a held revision waits for the pass that takes it. */
  overrides?: OverrideLatch;
  /** What a pass is doing to instance `name` right now (pulling, creating, ...); none: nothing shown. */
  activity?: (name: string) => Activity | undefined;
  /** When the next periodic pass is due (ISO time). */
  nextPass?: () => string | undefined;
  /** The Prometheus exposition of the agent's metrics (GET /metrics); none: the route answers 404. */
  metrics?: () => Promise<{ contentType: string; text: string }>;
  /** Records what an operator's request does to an instance (a restart's stopping, starting); undefined ends it. */
  progress?: (name: string, phase: ActivityPhase | undefined) => void;
}

export interface ApiRequest {
  /** The URL's path, decoded by the handler that needs it. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The whole body, read before the handler runs (empty unless the route's body is 'buffer'). */
  body: Buffer;
  /** The body as it arrives, size- and time-bounded (empty unless the route's body is 'stream'). */
  stream: AsyncIterable<Buffer>;
  /** The token that authenticated the request: its name and role, never the secret. */
  caller?: { name: string; role: Role };
}

/** The stream of a request whose body was read whole. */
export async function* emptyBody(): AsyncGenerator<Buffer> {}

export interface ApiResponse {
  status: number;
  /** Sent as JSON, unless `raw` is set. */
  body: unknown;
  /** Bytes sent as application/octet-stream (a pulled file). */
  raw?: Buffer;
  /** The content type of `raw` (default application/octet-stream). */
  contentType?: string;
  /** More headers of a `raw` answer (the page's security headers). */
  headers?: Record<string, string>;
  /** A stream of Server-Sent Events instead of a body. */
  events?: EventSource;
}

/** `auth`: the role a bearer token needs, 'none' (health), or 'webhook' (HMAC signature). */
export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** The route serves every path below `path` (which then ends in a slash). */
  prefix?: boolean;
  /** Largest body this route takes, when not the server's default. */
  bodyLimit?: number;
  /**
   * What the handler does with a body: 'buffer' (read whole, within the limit: small JSON),
   * 'stream' (read as it arrives: a file), or nothing (the default: a body is discarded unread).
   */
  body?: 'buffer' | 'stream';
  /** 'metrics': a read token, or the metrics token. */
  auth: Role | 'none' | 'webhook' | 'metrics';
  handle(req: ApiRequest): Promise<ApiResponse>;
}

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

/** The recorded health of an instance, when it is about the spec the instance runs. */
const healthOf = (record: HealthRecord | undefined, hash: string | undefined): HealthState =>
  record && (hash === undefined || record.hash === hash) ? record.state : 'none';

const limitOf = (query: URLSearchParams): number => {
  const raw = query.get('limit') ?? '100';
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new McpError('USAGE', `limit must be an integer in 1..1000, not ${JSON.stringify(raw)}`);
  return limit;
};

/** The `service` query parameter; USAGE when it is missing or empty (not a NOT_FOUND of a service named ""). */
export const serviceParam = (query: URLSearchParams): string => {
  const service = query.get('service');
  if (!service) throw new McpError('USAGE', 'the service query parameter is required: ?service=NAME');
  return service;
};

/** The runtime's view, or the reason there is none (the API still answers). */
const observe = async (ctx: ApiContext, names: string[]) => {
  try {
    const views = await Promise.all(ctx.runtimes.map((r) => r.observe(names, [])));
    return { instances: views.flatMap((v) => v.instances) };
  } catch (err) {
    return { instances: [], error: asMcpError(err).message };
  }
};

/**
 * `mcp adopt`: the containers holding the names of a service's components without being MCP's
 * (each a standing conflict) are handed to the next pass, which keeps each one that already
 * runs as the spec asks and replaces the others. Answers with what the pass did; anything
 * short of adopted or replaced for every one is an error with the pass's reason.
 */
const adopt = async (ctx: ApiContext, service: string): Promise<AdoptAnswer> => {
  const spec = desiredNow(ctx.store)?.services.find((s) => s.name === service && s.node === ctx.node);
  if (!spec) throw new McpError('NOT_FOUND', `no service ${service} on node ${ctx.node}`);
  const names = splitJobs(spec).kept.map(instanceName);
  const view = await observe(ctx, names);
  if (view.error) throw new McpError('RUNTIME_UNAVAILABLE', view.error);
  const inventory = new Map(ctx.store.inventory().map((e) => [e.name, e]));
  const held = view.instances
    .filter((i) => i.labels[LABEL.managed] !== 'true' && inventory.get(i.name)?.adoptedId !== i.id)
    .map((i) => i.name);
  if (held.length === 0) return { node: ctx.node, adopted: [], lastPass: null };
  const results = await ctx.adopt(held);
  const adopted: AdoptedInstance[] = [];
  for (const name of held) {
    const r = results.find((x) => x.name === name);
    if (r?.outcome !== 'adopted' && r?.outcome !== 'recreated') {
      const why = r ? `${r.outcome}: ${r.error?.message ?? r.reason}` : 'the pass did not plan it';
      throw new McpError(r?.error?.code ?? 'CONFLICT', `${name} was not adopted (${why})`, {
        name,
        ...(r ? { outcome: r.outcome } : {}),
      });
    }
    adopted.push({ name, outcome: r.outcome, reason: r.reason });
  }
  return { node: ctx.node, adopted, lastPass: ctx.store.lastPass() ?? null };
};

/**
 * This node's instances: MCP's and labelled with this node, or made before the `mcp.node`
 * label and known to this node's inventory. Another node's are not listed.
 */
const ownInstance = (i: ObservedInstance, node: string, known: ReadonlySet<string>): boolean => {
  if (i.labels[LABEL.managed] !== 'true') return false;
  const owner = i.labels[LABEL.node];
  return owner === undefined ? known.has(i.name) : owner === node;
};

/** What the node runs towards: the revision last applied, else the last good one not yet applied. */
const desiredNow = (store: StateStore) => store.applied() ?? store.lastGood();

/**
 * Releases the held revision for the next pass, in the name of the calling token. Refused
 * (CONFLICT) when no revision is held: an override never waits for a future commit.
 */
const grantOverride = (ctx: ApiContext, req: ApiRequest): void => {
  const seen = ctx.store.seen();
  if (!ctx.overrides || seen?.fate !== 'held')
    throw new McpError('CONFLICT', `no revision is held on node ${ctx.node}: nothing to override`);
  ctx.overrides.give({
    commit: seen.commit,
    token: req.caller?.name ?? 'unknown',
    role: req.caller?.role ?? 'operate',
    at: new Date().toISOString(),
  });
};

const webhook = async (ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> => {
  const event =
    req.headers['x-github-event'] ?? req.headers['x-gitea-event'] ?? req.headers['x-forgejo-event'];
  if (event === 'ping') return ok({ pong: true });
  let ref: unknown;
  try {
    ref = (JSON.parse(req.body.toString('utf8')) as { ref?: unknown }).ref;
  } catch {
    throw new McpError('USAGE', 'webhook body is not JSON');
  }
  if (ctx.branch !== undefined && ref !== `refs/heads/${ctx.branch}`)
    return ok(
      {
        triggered: false,
        reason: `push to ${typeof ref === 'string' ? ref : 'no branch'}, this agent follows refs/heads/${ctx.branch}`,
      },
      202,
    );
  ctx.warm?.();
  void ctx.trigger(`webhook ${typeof ref === 'string' ? ref : String(event ?? 'push')}`);
  return ok({ triggered: true }, 202);
};

/** The routes of `ctx`, and what to let go of when the server closes. */
export const apiRoutes = (ctx: ApiContext): { routes: Route[]; close(): void } => {
  const started = startTimes(ctx.runtimes);
  return { routes: routesOf(ctx, started.of), close: started.close };
};

/**
 * When each running instance started, asked of its runtime once (an inspect) and kept until
 * the runtime says it started, died or went: the status page asks on every event.
 */
const startTimes = (runtimes: readonly InstanceRuntime[]) => {
  const known = new Map<string, Promise<string | null>>();
  const unsubscribe = runtimes.map((r) =>
    r.onEvent((e) => (e.type === 'create' ? undefined : known.delete(e.id))),
  );
  const of = (seen: ObservedInstance): Promise<string | null> => {
    let at = known.get(seen.id);
    if (!at) {
      at = (async () => {
        for (const r of runtimes) {
          const t = await r.startedAt?.(seen.id).catch(() => undefined);
          if (t) return t;
        }
        return null;
      })();
      known.set(seen.id, at);
    }
    return at;
  };
  return {
    of,
    close: () => {
      for (const u of unsubscribe) u();
    },
  };
};

/** The running image's digest(s) in its repository, from the runtime's cache (no call); null when unknown. */
const digestOf = async (ctx: ApiContext, image: string, id: string | undefined): Promise<string | null> => {
  if (!id) return null;
  for (const r of ctx.runtimes) {
    const digests = (await r?.imageDigests?.(image, id).catch(() => [])) ?? [];
    if (digests.length > 0) return digests.join(',');
  }
  return null;
};

const routesOf = (ctx: ApiContext, started: (seen: ObservedInstance) => Promise<string | null>): Route[] => [
  {
    method: 'GET',
    path: '/v1/health',
    auth: 'none',
    handle: async () => ok({ ok: true, node: ctx.node }),
  },
  ...pageRoutes(ctx.node),
  {
    method: 'GET',
    path: '/metrics',
    auth: 'metrics',
    handle: async () => {
      if (!ctx.metrics) throw new McpError('NOT_FOUND', 'metrics are not served by this agent');
      const { contentType, text } = await ctx.metrics();
      return { status: 200, body: null, raw: Buffer.from(text), contentType };
    },
  },
  {
    method: 'GET',
    path: '/v1/status',
    auth: 'read',
    handle: async () =>
      ok({
        ...statusBody(ctx.node, ctx.source, ctx.store),
        version: ctx.version ?? packageVersion(),
        ...(ctx.trust && { trust: ctx.trust }),
        ...(ctx.nextPass?.() && { nextPass: ctx.nextPass() }),
        ...(ctx.accelerator && { vm: ctx.accelerator() }),
      }),
  },
  {
    method: 'GET',
    path: '/v1/services',
    auth: 'read',
    handle: async () => {
      const revision = desiredNow(ctx.store);
      const mine = (revision?.services ?? []).filter((s) => s.node === ctx.node);
      const view = await observe(
        ctx,
        mine.flatMap((s) => splitJobs(s).kept.map(instanceName)),
      );
      const byName = new Map(view.instances.map((i) => [i.name, i]));
      const health = ctx.store.health();
      const notes = ctx.store.lastPass()?.unhealthy ?? [];
      const suspensions = ctx.store.suspensions();
      const runs = ctx.store.jobRuns();
      const services = await Promise.all(
        mine.map(async (s) => ({
          name: s.name,
          active: s.active,
          dependsOn: s.dependsOn,
          suspended: suspensionOf(suspensions, s.name) ?? null,
          // A job's last run, without the specs it would roll back to.
          jobs: splitJobs(s).jobs.map((j) => {
            const { before: _before, ...run } = runs.get(instanceName(j)) ?? {};
            return {
              name: j.name,
              instance: instanceName(j),
              when: j.job!.when,
              image: j.image,
              lastRun: 'result' in run ? run : null,
            };
          }),
          components: await Promise.all(
            splitJobs(s).kept.map(async (c) => {
              const name = instanceName(c);
              const seen = byName.get(name);
              const live = c.health ? (health.get(name)?.state ?? 'starting') : 'none';
              // The pass's word on a health state is stale once the prober has moved it on.
              const note = notes.find(
                (n) =>
                  n.name === name &&
                  ((n.state !== 'starting' && n.state !== 'unhealthy') || n.state === live),
              );
              return {
                name: c.name,
                instance: name,
                kind: c.kind,
                image: c.image,
                state: view.error ? 'unknown' : (seen?.state ?? 'missing'),
                health: live,
                healthNote: note ? `${note.state}${note.reason ? `: ${note.reason}` : ''}` : null,
                activity: ctx.activity?.(name) ?? null,
                ...(seen?.address ? { address: seen.address } : {}),
                startedAt: seen?.state === 'running' ? await started(seen) : null,
                ports: portsText(c),
                ...(c.pull ? { pull: c.pull } : {}),
                ...(c.kind === 'container' ? { digest: await digestOf(ctx, c.image, seen?.imageId) } : {}),
              };
            }),
          ),
        })),
      );
      return ok({
        node: ctx.node,
        revision: revision?.commit ?? null,
        services,
        runtimeError: view.error ?? null,
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/ps',
    auth: 'read',
    handle: async () => {
      const view = await observe(ctx, []);
      if (view.error) throw new McpError('RUNTIME_UNAVAILABLE', view.error);
      const known = new Set(ctx.store.inventory().map((e) => e.name));
      const adopted = new Map(ctx.store.inventory().flatMap((e) => (e.adoptedId ? [[e.adoptedId, e]] : [])));
      const health = ctx.store.health();
      const suspensions = ctx.store.suspensions();
      const instances = view.instances
        .filter((i) => ownInstance(i, ctx.node, known) || adopted.has(i.id))
        .map((i) => ({ i, service: i.labels[LABEL.service] ?? adopted.get(i.id)?.service ?? null }))
        .map(({ i, service }) => ({
          name: i.name,
          id: i.id.slice(0, 12),
          kind: i.kind,
          state: i.state,
          image: i.image,
          service,
          component: i.labels[LABEL.component] ?? adopted.get(i.id)?.component ?? null,
          revision: i.labels[LABEL.revision] ?? null,
          health: healthOf(health.get(i.name), i.labels[LABEL.specHash]),
          activity: ctx.activity?.(i.name) ?? null,
          suspended: suspensionOf(suspensions, service ?? '') ?? null,
        }))
        .sort(byName);
      return ok({ node: ctx.node, instances });
    },
  },
  {
    method: 'GET',
    path: '/v1/events/stream',
    auth: 'read',
    handle: async () => ({
      status: 200,
      body: null,
      events: (send) =>
        ctx.store.subscribe((record) => {
          if (record.kind === 'event') send('event', record.event);
          else if (record.kind === 'pass') send('pass', record.pass);
          else send('applying', record.applying);
        }),
    }),
  },
  {
    method: 'GET',
    path: '/v1/events',
    auth: 'read',
    handle: async (req) => ok({ node: ctx.node, events: ctx.store.events(limitOf(req.query)) }),
  },
  {
    method: 'POST',
    path: '/v1/reconcile',
    auth: 'operate',
    handle: async (req) => {
      const retry = req.query.get('retry');
      if (retry !== null && !ctx.retry?.(retry))
        throw new McpError(
          'NOT_FOUND',
          `${retry} is not crash-looping, backing off or a failed pre-deploy job`,
          {
            name: retry,
          },
        );
      const override = req.query.get('override') === 'true';
      if (override) grantOverride(ctx, req);
      ctx.warm?.();
      const reason = override ? `api override by ${req.caller?.name ?? 'unknown'}` : 'api';
      // mcp sync asks the registry too: a tag that moved is pulled before the pass plans.
      await ctx.checkImages?.();
      const pass = ctx.trigger(retry ? `${reason}, retry ${retry}` : reason);
      if (req.query.get('wait') !== 'true') return ok({ triggered: true }, 202);
      await pass;
      return ok({ node: ctx.node, lastPass: ctx.store.lastPass() ?? null });
    },
  },
  {
    method: 'POST',
    path: '/v1/adopt',
    auth: 'operate',
    handle: async (req) => ok(await adopt(ctx, serviceParam(req.query))),
  },
  {
    method: 'POST',
    path: '/v1/webhook',
    auth: 'webhook',
    body: 'buffer',
    handle: (req) => webhook(ctx, req),
  },
  {
    method: 'GET',
    path: '/v1/files/',
    prefix: true,
    auth: 'read',
    handle: async (req) => ({ status: 200, body: null, raw: await pullFile(fileTarget(req.path, ctx)) }),
  },
  {
    method: 'PUT',
    path: '/v1/files/',
    prefix: true,
    bodyLimit: 64 << 20,
    body: 'stream',
    auth: 'operate',
    handle: async (req) => {
      const target = fileTarget(req.path, ctx);
      const bytes = await pushFile(target, req.stream);
      return ok({ service: target.service, path: target.rel, bytes });
    },
  },
];

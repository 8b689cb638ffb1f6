/**
 * The endpoints behind the operator's `mcp login`, `mcp restart` and `mcp service show|export`:
 * who a token is, an imperative restart recorded with who asked for it, and the spec in force
 * for one service. Kept apart from routes.ts so each stays small.
 */

import { isManaged, otherNode } from '../../domain/decide.js';
import { McpError } from '../../domain/errors.js';
import { splitJobs } from '../../domain/job.js';
import { instanceName, type ServiceSpec } from '../../domain/spec.js';
import type { InstanceRuntime } from '../../ports/instance-runtime.js';
import { REVISION_LIMIT_BYTES } from '../../validate/limits.js';
import { parsePlanRequest } from '../live-plan.js';
import { type ApiContext, type ApiRequest, type ApiResponse, type Route, serviceParam } from './routes.js';

const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });

/** The service `name` of this node in the last good revision, or NOT_FOUND. */
export const serviceInForce = (ctx: ApiContext, name: string): ServiceSpec => {
  const spec = ctx.store.lastGood()?.services.find((s) => s.name === name && s.node === ctx.node);
  if (!spec) throw new McpError('NOT_FOUND', `no service ${name} on node ${ctx.node}`, { service: name });
  return spec;
};

/** The runtime that has instance `name`, and the instance as it sees it; undefined when none has it. */
const find = async (ctx: ApiContext, name: string) => {
  for (const runtime of ctx.runtimes) {
    const seen = (await runtime.observe([name], [])).instances.find((i) => i.name === name);
    if (seen) return { runtime, seen };
  }
  return undefined;
};

/**
 * The runtime that has `name` and its id there; NOT_FOUND when no runtime runs it, CONFLICT
 * when the name is held by something not this node's (a container MCP does not manage, or
 * another node's instance on a shared podman): that is never restarted from here.
 */
const locate = async (ctx: ApiContext, name: string): Promise<{ runtime: InstanceRuntime; id: string }> => {
  const found = await find(ctx, name);
  if (!found)
    throw new McpError('NOT_FOUND', `${name} does not exist on node ${ctx.node}; the next pass creates it`, {
      name,
    });
  const other = otherNode(found.seen, ctx.node);
  if (other || !isManaged(found.seen))
    throw new McpError(
      'CONFLICT',
      `${name} is held by ${other ? `an instance of node ${other}` : 'a container MCP does not manage'}; not restarted`,
      { name },
    );
  return { runtime: found.runtime, id: found.seen.id };
};

/** Stop, then start, each named instance of the service (one component, or all in dependency order). */
const restart = async (ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> => {
  const service = serviceParam(req.query);
  const component = req.query.get('component');
  const spec = serviceInForce(ctx, service);
  if (!spec.active)
    throw new McpError('CONFLICT', `${service} is inactive (active = false); mcp start ${service} first`);
  const kept = splitJobs(spec).kept;
  const targets = component === null ? kept : kept.filter((c) => c.name === component);
  if (targets.length === 0)
    throw new McpError(
      'NOT_FOUND',
      `${service} has no component ${component} (components: ${kept.map((c) => c.name).join(', ')})`,
    );
  const by = req.caller?.name ?? 'unknown';
  const restarted: string[] = [];
  for (const c of targets) {
    const name = instanceName(c);
    const { runtime, id } = await locate(ctx, name);
    // An operator's restart is a retry: a crash loop (or back-off) of the instance is forgotten.
    ctx.retry?.(name);
    try {
      ctx.progress?.(name, 'stopping');
      await runtime.stop(id, ctx.stopTimeoutSeconds ?? 10);
      ctx.progress?.(name, 'starting');
      await runtime.start(id);
    } finally {
      ctx.progress?.(name, undefined);
    }
    restarted.push(name);
    ctx.store.addEvent({
      at: new Date().toISOString(),
      kind: 'restarted',
      name,
      message: `restarted by ${by}`,
      data: { by, service, component: c.name },
    });
  }
  await ctx.store.flush();
  return ok({ node: ctx.node, restarted, by });
};

/** Each instance of the service as the runtime says now: state and when it last started (null: unknown). */
const instancesOf = async (ctx: ApiContext, service: string) => {
  const spec = serviceInForce(ctx, service);
  return Promise.all(
    splitJobs(spec).kept.map(async (c) => {
      const name = instanceName(c);
      const found = await find(ctx, name);
      if (found)
        return {
          name,
          state: found.seen.state,
          startedAt: (await found.runtime.startedAt?.(found.seen.id)) ?? null,
        };
      return { name, state: 'missing', startedAt: null };
    }),
  );
};

/** Routes for login, restart, the spec in force and its instances; merged with apiRoutes by the server. */
export const operatorRoutes = (ctx: ApiContext): Route[] => [
  {
    method: 'GET',
    path: '/v1/whoami',
    auth: 'read',
    handle: async (req) =>
      ok({ node: ctx.node, token: req.caller?.name ?? null, role: req.caller?.role ?? null }),
  },
  { method: 'POST', path: '/v1/restart', auth: 'operate', handle: (req) => restart(ctx, req) },
  {
    method: 'POST',
    path: '/v1/plan',
    auth: 'read',
    body: 'buffer',
    // a revision's files as JSON strings: the loader's own limit applies to them after parsing
    bodyLimit: 2 * REVISION_LIMIT_BYTES,
    handle: async (req) => {
      if (!ctx.planFiles) throw new McpError('NOT_FOUND', 'this agent cannot plan a revision');
      const request = parsePlanRequest(req.body);
      const plan = await ctx.planFiles(request);
      // Planned as if nothing were suspended: what a resume would do; the suspensions say what is held.
      return ok({
        node: ctx.node,
        revision: request.commit ?? null,
        plan,
        suspensions: ctx.store.suspensions(),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/instances',
    auth: 'read',
    handle: async (req) => ok({ node: ctx.node, instances: await instancesOf(ctx, serviceParam(req.query)) }),
  },
  {
    method: 'GET',
    path: '/v1/spec',
    auth: 'read',
    handle: async (req) =>
      ok({
        node: ctx.node,
        revision: ctx.store.lastGood()?.commit ?? null,
        spec: serviceInForce(ctx, serviceParam(req.query)),
      }),
  },
];

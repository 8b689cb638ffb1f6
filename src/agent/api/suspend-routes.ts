/**
 * `POST /v1/suspend` and `POST /v1/resume` (operate role): an operator's "hands off" for the
 * node or one of its services, recorded in the registry with the token's name, and its end.
 * Each is an event, and a pass follows at once so status shows what the suspension holds (or,
 * after a resume, the pass that converges it; `?wait=true` answers with that pass).
 */

import { McpError } from '../../domain/errors.js';
import { splitJobs } from '../../domain/job.js';
import { instanceName } from '../../domain/spec.js';
import { describeSuspension, type Suspension, suspensionSubject } from '../../domain/suspension.js';
import type { SuspendAnswer } from '../../wire/api.js';
import type { ApiContext, ApiRequest, ApiResponse, Route } from './routes.js';

/** Longest reason kept: one line for a status table, not a document. */
const REASON_MAX = 200;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What a suspend or resume asks for: the node (no service) or one service, and why. */
interface SuspendRequest {
  service?: string;
  reason: string;
}

/** Checks the body: empty, or a JSON object with an optional `service` (a DNS label) and `reason` (one line). */
export const parseSuspendRequest = (body: Buffer): SuspendRequest => {
  const text = body.toString('utf8').trim();
  let req: unknown = {};
  if (text !== '') {
    try {
      req = JSON.parse(text);
    } catch {
      throw new McpError('USAGE', 'the body is not JSON: {service?, reason?}');
    }
  }
  if (typeof req !== 'object' || req === null || Array.isArray(req))
    throw new McpError('USAGE', 'the body must be a JSON object: {service?, reason?}');
  const { service, reason, ...rest } = req as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length)
    throw new McpError('USAGE', `unknown key ${JSON.stringify(unknown[0])}: {service?, reason?}`);
  if (service !== undefined && (typeof service !== 'string' || !DNS_LABEL.test(service)))
    throw new McpError(
      'USAGE',
      `service must be a service name (a DNS label), not ${JSON.stringify(service)}`,
    );
  if (reason !== undefined && typeof reason !== 'string')
    throw new McpError('USAGE', 'reason must be a string');
  const why = (reason ?? '').trim();
  if (why.length > REASON_MAX)
    throw new McpError('USAGE', `reason must be at most ${REASON_MAX} characters, not ${why.length}`);
  if ([...why].some((c) => c < ' ' || c === '\u007f'))
    throw new McpError('USAGE', 'reason must be one line of text');
  return { ...(service !== undefined && { service: service as string }), reason: why };
};

/** True when `service` is this node's: in the last good revision, or still running here (to hold its removal). */
const knownService = (ctx: ApiContext, service: string): boolean =>
  (ctx.store.lastGood()?.services ?? []).some((s) => s.name === service && s.node === ctx.node) ||
  ctx.store.inventory().some((e) => e.service === service);

/** The instances of this node a suspension of `scope` and `target` covers, in the last good revision. */
const instancesOf = (ctx: ApiContext, scope: 'node' | 'service', target: string): string[] =>
  (ctx.store.lastGood()?.services ?? [])
    .filter((s) => s.node === ctx.node && (scope === 'node' || s.name === target))
    .flatMap((s) => splitJobs(s).kept.map(instanceName));

const scopeOf = (ctx: ApiContext, req: SuspendRequest) =>
  req.service === undefined
    ? { scope: 'node' as const, target: ctx.node }
    : { scope: 'service' as const, target: req.service };

/** The pass the change of suspension triggers; with `wait`, the answer carries its result. */
const follow = async (
  ctx: ApiContext,
  req: ApiRequest,
  why: string,
): Promise<Pick<SuspendAnswer, 'lastPass'>> => {
  const pass = ctx.trigger(why);
  if (req.query.get('wait') !== 'true') return {};
  await pass;
  return { lastPass: ctx.store.lastPass() ?? null };
};

const suspend = async (ctx: ApiContext, req: ApiRequest): Promise<SuspendAnswer> => {
  const asked = parseSuspendRequest(req.body);
  const { scope, target } = scopeOf(ctx, asked);
  if (scope === 'service' && !knownService(ctx, target))
    throw new McpError('NOT_FOUND', `no service ${target} on node ${ctx.node}`, { service: target });
  const by = req.caller?.name ?? 'unknown';
  const wanted: Suspension = { scope, target, since: new Date().toISOString(), by, reason: asked.reason };
  const before = ctx.store.suspend(wanted);
  if (before) return { node: ctx.node, suspension: before, changed: false };
  ctx.store.addEvent({
    at: wanted.since,
    kind: 'suspended',
    ...(scope === 'service' && { name: target }),
    message: `${suspensionSubject(wanted)} ${describeSuspension(wanted)}`,
    data: { ...wanted },
  });
  await ctx.store.flush();
  return {
    node: ctx.node,
    suspension: wanted,
    changed: true,
    ...(await follow(ctx, req, `suspend by ${by}`)),
  };
};

const resume = async (ctx: ApiContext, req: ApiRequest): Promise<SuspendAnswer> => {
  const asked = parseSuspendRequest(req.body);
  const { scope, target } = scopeOf(ctx, asked);
  const lifted = ctx.store.resume(scope, target);
  if (!lifted) {
    if (scope === 'service' && !knownService(ctx, target))
      throw new McpError('NOT_FOUND', `no service ${target} on node ${ctx.node}`, { service: target });
    return { node: ctx.node, suspension: null, changed: false };
  }
  const by = req.caller?.name ?? 'unknown';
  const at = new Date().toISOString();
  // A resume is a retry, as `mcp restart` is: back-offs and crash loops of what was held are
  // forgotten, so the pass that follows acts on it at once.
  const retried = instancesOf(ctx, scope, target).filter((name) => ctx.retry?.(name));
  ctx.store.addEvent({
    at,
    kind: 'resumed',
    ...(scope === 'service' && { name: target }),
    message: `${suspensionSubject(lifted)} resumed by ${by} (${describeSuspension(lifted)})`,
    data: {
      ...lifted,
      resumedBy: by,
      resumedAt: at,
      retried,
      ...(asked.reason && { resumeReason: asked.reason }),
    },
  });
  await ctx.store.flush();
  return {
    node: ctx.node,
    suspension: lifted,
    changed: true,
    ...(await follow(ctx, req, `resume by ${by}`)),
  };
};

const answer = async (body: Promise<SuspendAnswer>): Promise<ApiResponse> => ({
  status: 200,
  body: await body,
});

/** The suspend and resume routes; merged with the others by the server. */
export const suspendRoutes = (ctx: ApiContext): Route[] => [
  {
    method: 'POST',
    path: '/v1/suspend',
    auth: 'operate',
    body: 'buffer',
    bodyLimit: 4096,
    handle: (req) => answer(suspend(ctx, req)),
  },
  {
    method: 'POST',
    path: '/v1/resume',
    auth: 'operate',
    body: 'buffer',
    bodyLimit: 4096,
    handle: (req) => answer(resume(ctx, req)),
  },
];

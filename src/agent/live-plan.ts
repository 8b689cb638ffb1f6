/**
 * `POST /v1/plan`: what a pass would do if the node's desired state were a given revision,
 * against what the node observes now (drift included), without applying anything: the
 * observe and plan steps of a pass, and nothing after them.
 */
import { McpError } from '../domain/errors.js';
import { plan } from '../domain/plan.js';
import type { Plan } from '../domain/plan-types.js';
import { instanceName, type Revision } from '../domain/spec.js';
import { formatSpecError, loadRevisionFromFiles, type SourceFile } from '../spec/load.js';
import { observeAll, type PassDeps } from './reconcile.js';

/** The plan of `revision` on this node now; read-only (one observation, served from the runtime's cache). */
export const livePlan = async (
  deps: Pick<PassDeps, 'node' | 'runtimes' | 'store'>,
  revision: Revision,
): Promise<Plan> => {
  const mine = revision.services.filter((s) => s.node === deps.node);
  const names = mine.flatMap((s) => s.components.map(instanceName));
  const observed = await observeAll(deps, mine, names);
  return plan({
    node: deps.node,
    revision: revision.commit,
    services: revision.services,
    observed,
    inventory: deps.store.inventory(),
  });
};

/** The body of `POST /v1/plan`: a revision's service files (and its commit id, for the report). */
export interface PlanRequest {
  commit?: string;
  files: SourceFile[];
}

/** Checks and loads a plan request's body; INVALID_SPEC with every located error when the revision is invalid. */
export const revisionOfRequest = (body: Buffer): Revision => {
  let req: PlanRequest;
  try {
    req = JSON.parse(body.toString('utf8')) as PlanRequest;
  } catch {
    throw new McpError('USAGE', 'the body is not JSON: {commit?, files: [{path, text}]}');
  }
  const files = Array.isArray(req?.files) ? req.files : undefined;
  if (!files?.every((f) => typeof f?.path === 'string' && typeof f?.text === 'string'))
    throw new McpError('USAGE', 'files must be a list of {path, text}');
  if (req.commit !== undefined && typeof req.commit !== 'string')
    throw new McpError('USAGE', 'commit must be a string');
  const loaded = loadRevisionFromFiles(files, req.commit);
  if (!loaded.ok)
    throw new McpError(
      'INVALID_SPEC',
      `the revision is invalid: ${loaded.errors.map(formatSpecError).join('; ')}`,
      {
        errors: loaded.errors,
      },
    );
  return loaded.revision;
};

/**
 * `POST /v1/plan`: what a pass would do if the node's desired state were a given revision,
 * against what the node observes now (drift included), without applying anything. The posted
 * files are loaded exactly as the agent loads a revision (its loader: format, limits, its
 * admission policy), then observed and planned; nothing after that step of a pass runs.
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { McpError } from '../domain/errors.js';
import { withoutJobs } from '../domain/job.js';
import { pinImages } from '../domain/pin-images.js';
import { plan } from '../domain/plan.js';
import type { Plan } from '../domain/plan-types.js';
import { instanceName, type Revision } from '../domain/spec.js';
import { formatSpecError, type SourceFile } from '../domain/spec-error.js';
import type { RevisionLoader } from '../ports/revision-loader.js';
import { observeAll, type PassDeps, sealForNode } from './reconcile.js';

/**
 * The body of `POST /v1/plan`: a revision's service files, `services/<name>.toml`, and its
 * commit id; its node files, `nodes/<node>.toml`, whose variables the node resolves with its
 * own; with its secrets, `.mcp/recipients.toml` and `secrets/<service>/<name>.age|.recipients`
 * (an age file may come as `base64` instead of `text`), which the node decrypts to compare.
 */
export interface PlanRequest {
  commit?: string;
  files: (SourceFile | { path: string; base64: string })[];
}

type PlanDeps = Pick<PassDeps, 'node' | 'runtimes' | 'store' | 'secrets'>;

const PLAN_PATH =
  /^((services|nodes)\/[A-Za-z0-9._-]+\.toml|\.mcp\/recipients\.toml|secrets\/[a-z0-9-]+\/[a-z0-9][a-z0-9_.-]*\.(age|recipients))$/;

/** The plan of `revision` on this node now; read-only (one observation, served from the runtime's cache). */
export const livePlan = async (deps: PlanDeps, fetched: Revision): Promise<Plan> => {
  const revision = withoutJobs((await sealForNode(deps, fetched)).revision);
  const mine = revision.services.filter((s) => s.node === deps.node);
  const names = mine.flatMap((s) => s.components.map(instanceName));
  const observed = await observeAll(deps, mine, names);
  return plan({
    node: deps.node,
    revision: revision.commit,
    services: pinImages(revision.services, deps.node, observed.images),
    observed,
    inventory: deps.store.inventory(),
  });
};

/** Checks a plan request's body: JSON, a list of `services/<name>.toml` files with text, an optional commit. */
export const parsePlanRequest = (body: Buffer): PlanRequest => {
  let req: Partial<PlanRequest> | null;
  try {
    req = JSON.parse(body.toString('utf8')) as Partial<PlanRequest> | null;
  } catch {
    throw new McpError('USAGE', 'the body is not JSON: {commit?, files: [{path, text}]}');
  }
  const files = Array.isArray(req?.files) ? req.files : undefined;
  if (
    !files?.every(
      (f) =>
        typeof f?.path === 'string' &&
        (typeof (f as SourceFile).text === 'string' || typeof (f as { base64: string }).base64 === 'string'),
    )
  )
    throw new McpError('USAGE', 'files must be a list of {path, text} (or {path, base64})');
  const odd = files.find((f) => !PLAN_PATH.test(f.path) || f.path.includes('..'));
  if (odd)
    throw new McpError(
      'USAGE',
      `file paths must be services/<name>.toml, nodes/<node>.toml, .mcp/recipients.toml or secrets/<service>/<name>.age|.recipients, not ${JSON.stringify(odd.path)}`,
    );
  if (req?.commit !== undefined && typeof req.commit !== 'string')
    throw new McpError('USAGE', 'commit must be a string');
  return { files, ...(req?.commit !== undefined && { commit: req.commit }) };
};

/**
 * Loads the posted files with `loader` (from a private temporary directory, removed after)
 * and plans them; INVALID_SPEC with every located error when the revision is invalid.
 */
export const planPosted = async (deps: PlanDeps, loader: RevisionLoader, req: PlanRequest): Promise<Plan> => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-plan-'));
  try {
    await mkdir(join(dir, 'services'), { mode: 0o700 });
    for (const f of req.files) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true, mode: 0o700 });
      const bytes = 'text' in f ? f.text : Buffer.from(f.base64, 'base64');
      await writeFile(join(dir, f.path), bytes, { mode: 0o600 });
    }
    const loaded = await loader.fromDir(dir);
    if (!loaded.ok)
      throw new McpError(
        'INVALID_SPEC',
        `the revision is invalid: ${loaded.errors.map(formatSpecError).join('; ')}`,
        {
          errors: loaded.errors,
        },
      );
    return await livePlan(deps, {
      ...loaded.revision,
      ...(req.commit !== undefined && { commit: req.commit }),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

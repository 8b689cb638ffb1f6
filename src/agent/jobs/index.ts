/**
 * Deploy hooks: a service's jobs, run to completion around a change of it, once per change.
 * - pre-deploy: before a pass changes the service's other components (creates, recreates or
 *   removes them for a new spec, not to heal drift). A failure (non-zero exit, past its
 *   timeout, refused by the runtime) holds the whole change: the old version keeps running,
 *   and the job is not run again until the service's spec changes once more.
 * - post-deploy: once the changed components are healthy (probed ones healthy, the others
 *   running). A failure rolls the service's changed components back to the specs they last ran
 *   healthy before the change, as an unhealthy rollout would.
 * The last run of each job (result, exit code, the last lines of its log) is in the registry.
 */
import { McpError } from '../../domain/errors.js';
import { specHash } from '../../domain/hash.js';
import { type JobRun, jobKey, splitJobs } from '../../domain/job.js';
import type { Problem } from '../../domain/pass.js';
import type { Action, Plan } from '../../domain/plan-types.js';
import { rollbackMessage } from '../../domain/rollback.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from '../../domain/spec.js';
import type { Logger } from '../../log.js';
import type { InstanceRuntime, SecretDelivery } from '../../ports/instance-runtime.js';
import type { StateStore } from '../../ports/state-store.js';

export interface JobDeps {
  node: string;
  store: StateStore;
  log: Logger;
  /** The container runtime; without one (or without runJob) every job fails, said so. */
  runtime?: InstanceRuntime;
  /** The admission policy once more on the job's paths, right before its create. */
  admitCreate?: (spec: ComponentSpec) => Promise<string[]>;
  /** Its secrets' values, and forgetting them afterwards. */
  secrets?: {
    deliver(spec: ComponentSpec, hash: string): Promise<SecretDelivery | undefined>;
    prune(name: string): Promise<void>;
  };
}

/** Actions that change a service for a new spec (healing drift runs no job). */
const isChange = (a: Action): boolean =>
  !a.drift && (a.kind === 'create' || a.kind === 'recreate' || a.kind === 'remove');

const withJobs = (services: readonly ServiceSpec[], node: string, when: 'pre-deploy' | 'post-deploy') =>
  services.filter((s) => s.node === node && s.active && s.components.some((c) => c.job?.when === when));

/**
 * An operator's retry of a failed pre-deploy job (`POST /v1/reconcile?retry=NAME`): its run is
 * forgotten, so the next pass runs it again for the held change. False when `name` is no such
 * job. A failed post-deploy job has rolled its change back: a new commit is the retry.
 */
export const retryJob = (store: StateStore, name: string): boolean => {
  const last = store.jobRuns().get(name);
  if (last?.result !== 'failed' || last.when !== 'pre-deploy') return false;
  store.forgetJobRun(name);
  return true;
};

/** A skip of every change of a held service: the gate the apply asks. */
export const jobGate =
  (held: ReadonlyMap<string, string>) =>
  (action: Action): { kind: 'skip'; reason: string; waiting: false } | undefined => {
    const reason = held.get(action.service);
    return reason !== undefined && isChange(action) ? { kind: 'skip', reason, waiting: false } : undefined;
  };

/**
 * Before the apply: runs the pre-deploy jobs of every service `plan` changes, unless they
 * already ran for this change, and notes the healthy specs a post-deploy job would roll back
 * to. Returns the services whose change is held (service -> why) and the problems to report.
 */
export async function preDeploy(
  deps: JobDeps,
  services: readonly ServiceSpec[],
  plan: Plan,
  revision: string | undefined,
): Promise<{ held: Map<string, string>; problems: Problem[] }> {
  const held = new Map<string, string>();
  const problems: Problem[] = [];
  const pres = withJobs(services, deps.node, 'pre-deploy');
  const posts = withJobs(services, deps.node, 'post-deploy');
  // A pass over services without jobs reads nothing.
  if (pres.length === 0 && posts.length === 0) return { held, problems };
  const changed = new Set(
    plan.stages
      .flat()
      .filter(isChange)
      .map((a) => a.service),
  );
  const runs = deps.store.jobRuns();
  for (const service of posts.filter((s) => changed.has(s.name))) notePending(deps.store, runs, service);
  for (const service of pres) {
    if (!changed.has(service.name)) continue;
    for (const job of splitJobs(service).jobs.filter((j) => j.job?.when === 'pre-deploy')) {
      const key = jobKey(job, service);
      const last = runs.get(instanceName(job));
      const run = last?.key === key ? last : await runJob(deps, job, service, key, revision);
      if (run.result === 'succeeded') continue;
      const why = `pre-deploy job ${run.name} failed (${run.reason}): the change of ${service.name} is held`;
      held.set(service.name, why);
      problems.push({ code: 'JOB_FAILED', message: withTail(why, run), name: run.name });
      break;
    }
  }
  return { held, problems };
}

/**
 * After the apply: runs the post-deploy jobs of services whose change is done (a pending run
 * noted for its key) and whose components are `ready`. A failure rolls the changed components
 * back (unless the service says `rollback = false`); `requeue` then asks for the pass that does.
 */
export async function postDeploy(
  deps: JobDeps,
  services: readonly ServiceSpec[],
  ready: (component: ComponentSpec) => boolean,
  revision: string | undefined,
): Promise<{ problems: Problem[]; requeue: boolean; waiting: string[] }> {
  const problems: Problem[] = [];
  const waiting: string[] = [];
  let requeue = false;
  const posts = withJobs(services, deps.node, 'post-deploy');
  if (posts.length === 0) return { problems, requeue, waiting };
  const runs = deps.store.jobRuns();
  for (const service of posts) {
    for (const job of splitJobs(service).jobs.filter((j) => j.job?.when === 'post-deploy')) {
      const key = jobKey(job, service);
      const last = runs.get(instanceName(job));
      if (last?.key === key && last.result !== 'pending') {
        if (last.result === 'failed')
          problems.push({ code: 'JOB_FAILED', message: failedPost(last, service), name: last.name });
        continue;
      }
      if (last?.key !== key) continue; // no change of this service was applied for this key
      if (!splitJobs(service).kept.every(ready)) {
        waiting.push(instanceName(job));
        continue;
      }
      const run = await runJob(deps, job, service, key, revision, last.before);
      if (run.result === 'succeeded') continue;
      problems.push({ code: 'JOB_FAILED', message: failedPost(run, service), name: run.name });
      if (service.rollback !== false && rollBack(deps.store, service, run)) requeue = true;
    }
  }
  return { problems, requeue, waiting };
}

const failedPost = (run: JobRun, service: ServiceSpec): string =>
  withTail(
    `post-deploy job ${run.name} failed (${run.reason})${service.rollback === false ? '' : `: ${service.name} rolled back`}`,
    run,
  );

const withTail = (message: string, run: JobRun): string =>
  run.logTail.length ? `${message}; its log ends: ${run.logTail.slice(-3).join(' | ')}` : message;

/** A post-deploy job's change began: the specs to roll back to are those healthy now (kept from an earlier pending run). */
function notePending(store: StateStore, runs: Map<string, JobRun>, service: ServiceSpec): void {
  const healthy = store.lastHealthy();
  for (const job of splitJobs(service).jobs.filter((j) => j.job?.when === 'post-deploy')) {
    const key = jobKey(job, service);
    const last = runs.get(instanceName(job));
    if (last?.key === key) continue;
    const before =
      last?.result === 'pending'
        ? last.before
        : splitJobs(service).kept.flatMap((c) => healthy.get(instanceName(c)) ?? []);
    const run: JobRun = {
      name: instanceName(job),
      service: service.name,
      when: 'post-deploy',
      key,
      result: 'pending',
      exitCode: null,
      logTail: [],
      at: new Date().toISOString(),
      durationMs: 0,
      ...(before?.length ? { before } : {}),
    };
    store.recordJobRun(run);
    runs.set(run.name, run);
  }
}

/** Marks each changed component's spec failed and restores the spec it ran healthy before; false when there is none. */
function rollBack(store: StateStore, service: ServiceSpec, run: JobRun): boolean {
  let any = false;
  const at = new Date().toISOString();
  for (const c of splitJobs(service).kept) {
    const name = instanceName(c);
    const good = run.before?.find((b) => b.name === name);
    const hash = specHash(c);
    if (!good || good.hash === hash) continue;
    const mark = { name, hash, reason: `post-deploy job ${run.name} failed (${run.reason})`, at };
    store.markFailed(mark);
    store.setLastHealthy(good);
    store.addEvent({
      at,
      kind: 'rolled-back',
      name,
      message: rollbackMessage(c, mark, good),
      data: { to: good.revision ?? null, fromHash: hash, toHash: good.hash, reason: mark.reason },
    });
    any = true;
  }
  return any;
}

/** Runs one job and records how it ended (and an event); never throws. */
async function runJob(
  deps: JobDeps,
  job: ComponentSpec,
  service: ServiceSpec,
  key: string,
  revision: string | undefined,
  before?: JobRun['before'],
): Promise<JobRun> {
  const name = instanceName(job);
  const hash = specHash(job);
  const started = performance.now();
  let exitCode: number | null = null;
  let logTail: string[] = [];
  let reason: string | undefined;
  try {
    const runtime = deps.runtime;
    if (!runtime?.runJob)
      throw new McpError('RUNTIME', 'this node has no container runtime to run jobs with');
    await runtime.ensureImage(job.image);
    if (job.network) await runtime.ensureNetwork(job.network);
    const refused = (await deps.admitCreate?.(job)) ?? [];
    if (refused.length) throw new McpError('POLICY_VIOLATION', `not created: ${refused.join('; ')}`);
    const secrets = await deps.secrets?.deliver(job, hash);
    try {
      const outcome = await runtime.runJob(
        {
          spec: job,
          hash,
          routePorts: {},
          node: deps.node,
          ...(revision ? { revision } : {}),
          ...(secrets && { secrets }),
        },
        job.job!.timeout * 1000,
      );
      exitCode = outcome.exitCode;
      logTail = outcome.logTail;
      if (exitCode === null) reason = `ran past its timeout of ${job.job!.timeout} s`;
      else if (exitCode !== 0) reason = `exit ${exitCode}`;
    } finally {
      await deps.secrets?.prune(name);
    }
  } catch (err) {
    reason = (err as Error).message;
  }
  const run: JobRun = {
    name,
    service: service.name,
    when: job.job!.when,
    key,
    result: reason === undefined ? 'succeeded' : 'failed',
    exitCode,
    ...(reason !== undefined ? { reason } : {}),
    logTail,
    at: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    ...(before?.length ? { before } : {}),
  };
  deps.store.recordJobRun(run);
  const seconds = (run.durationMs / 1000).toFixed(1);
  deps.store.addEvent({
    at: run.at,
    kind: 'job',
    name,
    message:
      run.result === 'succeeded'
        ? `${run.when} job succeeded in ${seconds} s`
        : `${run.when} job failed after ${seconds} s: ${reason}`,
    data: { when: run.when, result: run.result, exitCode, logTail, durationMs: run.durationMs },
  });
  deps.log[run.result === 'succeeded' ? 'info' : 'warn']('job ran', {
    job: name,
    when: run.when,
    result: run.result,
    exitCode,
    durationMs: run.durationMs,
  });
  return run;
}

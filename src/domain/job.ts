/**
 * Jobs: container components run to completion around a change of their service, once per
 * change. What decides whether one runs, and what its run leaves for status and rollback.
 */
import { createHash } from 'node:crypto';
import { specHash } from './hash.js';
import type { HealthySpec } from './rollback.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from './spec.js';

/** How one run of a job ended, as the registry keeps it (the last per job). */
export interface JobRun {
  /** The job's instance name, `<service>-<job>`. */
  name: string;
  service: string;
  when: 'pre-deploy' | 'post-deploy';
  /** The change it ran for (jobKey): a job runs once per key. */
  key: string;
  /** pending: a post-deploy job whose change is applied, waiting for its service to be healthy. */
  result: 'succeeded' | 'failed' | 'pending';
  /** null: it ran past its timeout, or never started. */
  exitCode: number | null;
  /** Why it failed, in one line: "exit 3", "ran past its timeout of 30 s", the runtime's error. */
  reason?: string;
  /** The last lines of its log. */
  logTail: string[];
  at: string;
  durationMs: number;
  /**
   * For a post-deploy job: the specs the service's components last ran healthy before the
   * change, to roll back to when it fails.
   */
  before?: HealthySpec[];
}

const hasJobs = (s: ServiceSpec): boolean => s.components.some((c) => c.job);

/** A service's jobs and its other components. */
export const splitJobs = (s: ServiceSpec): { jobs: ComponentSpec[]; kept: ComponentSpec[] } => ({
  jobs: s.components.filter((c) => c.job),
  kept: s.components.filter((c) => !c.job),
});

/** `revision`'s services without their jobs: what is planned, observed and kept running. */
export const withoutJobs = <R extends { services: ServiceSpec[] }>(revision: R): R =>
  revision.services.some(hasJobs)
    ? {
        ...revision,
        services: revision.services.map((s) => (hasJobs(s) ? { ...s, components: splitJobs(s).kept } : s)),
      }
    : revision;

/**
 * The change a job runs for: its own spec and the specs of its service's other components.
 * A new key is a new change; the same key again (another pass, a restart) runs nothing.
 */
export const jobKey = (job: ComponentSpec, service: ServiceSpec): string =>
  createHash('sha256')
    .update(
      [
        specHash(job),
        ...splitJobs(service)
          .kept.map((c) => `${instanceName(c)}=${specHash(c)}`)
          .sort(),
      ].join('\n'),
    )
    .digest('hex')
    .slice(0, 16);

/** `planned` (jobs left out, maybe rolled-back specs in) with each service's jobs from `full` back in: what is in force. */
export const restoreJobs = <R extends { services: ServiceSpec[] }>(
  planned: R,
  full: { services: ServiceSpec[] },
): R => {
  if (!full.services.some(hasJobs)) return planned;
  const jobs = new Map(full.services.map((s) => [s.name, splitJobs(s).jobs] as const));
  return planned.services.some((s) => jobs.get(s.name)?.length)
    ? {
        ...planned,
        services: planned.services.map((s) =>
          jobs.get(s.name)?.length ? { ...s, components: [...s.components, ...jobs.get(s.name)!] } : s,
        ),
      }
    : planned;
};

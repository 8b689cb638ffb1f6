/**
 * The agent's API on the wire: the JSON each /v1 endpoint answers with, and the error body of
 * every refusal. The agent's routes build these, the CLI reads them; neither side reaches into
 * the other's modules (or the registry's port) for the shapes.
 */

import type { AccelStatus } from '../domain/accel.js';
import type { Activity } from '../domain/activity.js';
import type { ErrorCode, McpError } from '../domain/errors.js';
import type { HealthState } from '../domain/health.js';
import type { JobRun } from '../domain/job.js';
import type { InstanceState } from '../domain/observed.js';
import type { Outcome } from '../domain/outcome.js';
import type {
  AppliedRevision,
  ApplyingRevision,
  EventRecord,
  PassStatus,
  SeenRevision,
} from '../domain/pass.js';
import type { ComponentKind } from '../domain/spec.js';
import type { Suspension } from '../domain/suspension.js';

export type { EventRecord, PassStatus, Problem, SeenRevision } from '../domain/pass.js';
export type { Suspension } from '../domain/suspension.js';

/** Every refusal: a stable code, one line, its data, and what to do about it when known. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; data: Record<string, unknown>; hint?: string };
}

/** The error body of `error`; its `data.hint` (when a string) travels as `hint`. */
export const errorBody = (error: McpError): ErrorBody => {
  const { hint, ...data } = error.data;
  return {
    error: {
      code: error.code,
      message: error.message,
      data,
      ...(typeof hint === 'string' ? { hint } : {}),
    },
  };
};

/** GET /v1/health */
export interface HealthAnswer {
  ok: true;
  node: string;
}

/**
 * GET /v1/status: three revisions kept apart so a reader never takes "seen" for "done": the
 * one the last finished pass applied, the one a pass is applying now (and since when), and
 * the newest the source returned with its fate. `revision` is the applied commit.
 */
export interface StatusAnswer {
  node: string;
  /** The agent's version (its package.json); agents before 0.1.0 do not say. */
  version?: string;
  source: string;
  revision: string | null;
  applied: AppliedRevision | null;
  applying: ApplyingRevision | null;
  newest: SeenRevision | null;
  lastPass: PassStatus | null;
  /** How the node trusts its source: `signed commits only (ssh, tip)`, `any commit: ...`, or `not verified: a local directory`. */
  trust?: string;
  /** When the next periodic pass is due (ISO time), from a running agent. */
  nextPass?: string;
  /**
   * The VMs' accelerator and why (`source` says whether a probe, its cache for this host boot, or
   * the KVM device decided it); `probing` while the probe runs; `undecided` before the first VM.
   */
  vm?: AccelStatus;
  /** The suspensions in force (`mcp suspend`): the node's and its services', oldest first. */
  suspensions: Suspension[];
}

/** One component of GET /v1/services, with its live state (`missing`, or `unknown` without a view). */
export interface ServiceComponentAnswer {
  name: string;
  instance: string;
  kind: ComponentKind;
  image: string;
  state: InstanceState | 'missing';
  /** `none` without a probe. */
  health: HealthState;
  /** Why it is not serving as asked (unhealthy, restarting, crash-looping, rolled back), from the last pass. */
  healthNote: string | null;
  /** What a pass is doing to it right now (pulling, creating, starting, stopping, removing) and since when. */
  activity: Activity | null;
  /** Its published ports (`127.0.0.1:8080->80`, `53->53/udp`) and routes (`route rest->8443`), from the spec. */
  ports: string[];
  /** When it last started (running instances; null when the runtime cannot say). */
  startedAt: string | null;
  /** A VM's address on the isolated bridge. */
  address?: string;
  /** The pull policy when not `missing`: `always` or `newer`. */
  pull?: 'always' | 'newer';
  /** A container's running image digest in its repository (comma-separated when podman knows several); null when unknown. */
  digest?: string | null;
}

/** GET /v1/services */
export interface ServicesAnswer {
  node: string;
  revision: string | null;
  services: {
    name: string;
    active: boolean;
    dependsOn: string[];
    components: ServiceComponentAnswer[];
    /** The suspension that covers the service (the node's, else its own), or null. */
    suspended: Suspension | null;
    /** Its deploy jobs and how each last ran (null: never). */
    jobs: JobAnswer[];
  }[];
  runtimeError: string | null;
}

/** One deploy job of a service in GET /v1/services. */
export interface JobAnswer {
  name: string;
  instance: string;
  when: 'pre-deploy' | 'post-deploy';
  image: string;
  lastRun: Omit<JobRun, 'before'> | null;
}

/** One managed instance of GET /v1/ps. */
export interface PsInstance {
  name: string;
  id: string;
  kind: ComponentKind;
  state: InstanceState;
  image: string;
  service: string | null;
  component: string | null;
  revision: string | null;
  /** `none` without a probe. */
  health: HealthState;
  /** What the agent is doing to it right now (pulling, creating, starting, stopping, removing) and since when. */
  activity: Activity | null;
  /** The suspension that covers its service (the node's, else the service's), or null. */
  suspended: Suspension | null;
}

/** GET /v1/ps */
export interface PsAnswer {
  node: string;
  instances: PsInstance[];
}

/** GET /v1/events, newest first. */
export interface EventsAnswer {
  node: string;
  events: EventRecord[];
}

/** POST /v1/reconcile?wait=true (without wait: `{triggered: true}`); `retry=NAME` also forgets NAME's crash loop. */
export interface ReconcileAnswer {
  node: string;
  lastPass: PassStatus | null;
}

/** What the pass did with one adopted instance: taken over as it ran, or replaced from the spec. */
export interface AdoptedInstance {
  name: string;
  outcome: Extract<Outcome, 'adopted' | 'recreated'>;
  reason: string;
}

/** POST /v1/adopt?service=S */
export interface AdoptAnswer {
  node: string;
  adopted: AdoptedInstance[];
  lastPass: PassStatus | null;
}

/**
 * POST /v1/suspend and /v1/resume: the suspension asked about (`suspension`: the one in force
 * after a suspend, the one lifted by a resume, null when there was none to lift), and whether
 * the call changed anything (a second suspend keeps the first; a resume of nothing is no error).
 * With `?wait=true`, the pass that followed.
 */
export interface SuspendAnswer {
  node: string;
  suspension: Suspension | null;
  changed: boolean;
  lastPass?: PassStatus | null;
}

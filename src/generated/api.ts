/* Generated from schema/api.openapi.json by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * The accelerator VMs run with and why; `{probing: true}` while the KVM probe runs; `{undecided: true, reason}` before the agent's first VM create needed a decision.
 */
export type AccelChoice =
  | {
      /**
       * The `[qemu] accel` setting.
       */
      setting: 'auto' | 'kvm' | 'tcg';
      /**
       * The accelerator in use.
       */
      accel: 'kvm' | 'tcg';
      /**
       * Why it was chosen.
       */
      reason: string;
      /**
       * How long the KVM probe took, when one ran.
       */
      probeMs?: number;
      /**
       * What decided it: the `[qemu] accel` setting, the KVM device (missing or unusable), a probe run now, or a probe's result cached for this host boot and QEMU version.
       */
      source?: 'configured' | 'device' | 'probe' | 'cache';
      /**
       * The host boot and QEMU build a probed or cached decision holds for.
       */
      key?: {
        /**
         * The kernel's boot id (/proc/sys/kernel/random/boot_id).
         */
        bootId: string;
        /**
         * The first line of `qemu-system-x86_64 --version`.
         */
        qemuVersion: string;
      };
      /**
       * When the probe behind the decision ran.
       */
      probedAt?: string;
    }
  | {
      /**
       * The KVM probe still runs.
       */
      probing: true;
    }
  | {
      /**
       * No decision yet: no VM has been created since the agent started.
       */
      undecided: true;
      /**
       * Why not, e.g. `not probed: no VM created since the agent started`.
       */
      reason: string;
    };

/**
 * Every schema of schema/api.openapi.json, by name.
 */
export interface ApiSchemas {
  Error?: Error;
  /**
   * A stable error code. HTTP status: USAGE 400, UNAUTHORIZED 401, FORBIDDEN 403, NOT_FOUND 404, METHOD_NOT_ALLOWED 405, TIMEOUT 408, CONFLICT / NEEDS_OVERRIDE / SUSPENDED 409, TOO_LARGE 413, INVALID_SPEC / POLICY_VIOLATION / UNVERIFIED / SECRET_UNAVAILABLE 422, INVALID_CONFIG / INTERNAL 500, IMAGE_UNAVAILABLE / AGENT_UNAVAILABLE / RUNTIME / JOB_FAILED 502, RUNTIME_UNAVAILABLE / SOURCE_UNAVAILABLE 503, BOOT_TIMEOUT 504.
   */
  ErrorCode?:
    | 'INVALID_SPEC'
    | 'POLICY_VIOLATION'
    | 'UNVERIFIED'
    | 'SECRET_UNAVAILABLE'
    | 'INVALID_CONFIG'
    | 'USAGE'
    | 'NOT_FOUND'
    | 'CONFLICT'
    | 'IMAGE_UNAVAILABLE'
    | 'RUNTIME_UNAVAILABLE'
    | 'SOURCE_UNAVAILABLE'
    | 'AGENT_UNAVAILABLE'
    | 'UNAUTHORIZED'
    | 'FORBIDDEN'
    | 'TOO_LARGE'
    | 'METHOD_NOT_ALLOWED'
    | 'TIMEOUT'
    | 'NEEDS_OVERRIDE'
    | 'SUSPENDED'
    | 'RUNTIME'
    | 'BOOT_TIMEOUT'
    | 'JOB_FAILED'
    | 'INTERNAL';
  /**
   * An ISO 8601 time in UTC.
   */
  Time?: string;
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  Commit?: string | null;
  HealthAnswer?: HealthAnswer;
  OpenApiDocument?: OpenApiDocument;
  /**
   * What happened to an instance in a pass.
   */
  Outcome?:
    | 'created'
    | 'recreated'
    | 'adopted'
    | 'started'
    | 'stopped'
    | 'removed'
    | 'unchanged'
    | 'conflict'
    | 'skipped'
    | 'failed';
  Counts?: Counts;
  Problem?: Problem;
  NotHealthy?: NotHealthy;
  PassStatus?: PassStatus;
  EventRecord?: EventRecord;
  AppliedRevision?: AppliedRevision;
  ApplyingRevision?: ApplyingRevision;
  SeenRevision?: SeenRevision;
  Suspension?: Suspension;
  /**
   * What a pass (or an operator's restart) is doing to the instance right now; null when nothing.
   */
  Activity?: {
    /**
     * `pulling` only while an image is really being pulled.
     */
    phase: 'pulling' | 'creating' | 'starting' | 'stopping' | 'removing';
    /**
     * An ISO 8601 time in UTC.
     */
    since: string;
  } | null;
  AccelChoice?: AccelChoice;
  /**
   * The health probe's verdict; `none` without a probe.
   */
  HealthState?: 'none' | 'starting' | 'healthy' | 'unhealthy';
  /**
   * The instance's state as the runtime reports it.
   */
  InstanceState?: 'running' | 'created' | 'exited' | 'paused' | 'stopping' | 'unknown';
  StatusAnswer?: StatusAnswer;
  ServiceComponent?: ServiceComponent;
  JobRun?: JobRun;
  Job?: Job;
  ServicesAnswer?: ServicesAnswer;
  PsInstance?: PsInstance;
  PsAnswer?: PsAnswer;
  EventsAnswer?: EventsAnswer;
  WhoamiAnswer?: WhoamiAnswer;
  Triggered?: Triggered;
  ReconcileAnswer?: ReconcileAnswer;
  AdoptAnswer?: AdoptAnswer;
  RestartAnswer?: RestartAnswer;
  SuspendRequest?: SuspendRequest;
  SuspendAnswer?: SuspendAnswer;
  PlanRequest?: PlanRequest;
  FieldChange?: FieldChange;
  Action?: Action;
  Plan?: Plan;
  PlanAnswer?: PlanAnswer;
  ComponentSpec?: ComponentSpec;
  ServiceSpec?: ServiceSpec;
  SpecAnswer?: SpecAnswer;
  InstancesAnswer?: InstancesAnswer;
  Pong?: Pong;
  WebhookAnswer?: WebhookAnswer;
  FilePushAnswer?: FilePushAnswer;
  PageConfig?: PageConfig;
}
/**
 * Every refusal. The code is stable and the same `mcp` exits on; the HTTP status follows from it.
 */
export interface Error {
  /**
   * The refusal.
   */
  error: {
    /**
     * A stable error code. HTTP status: USAGE 400, UNAUTHORIZED 401, FORBIDDEN 403, NOT_FOUND 404, METHOD_NOT_ALLOWED 405, TIMEOUT 408, CONFLICT / NEEDS_OVERRIDE / SUSPENDED 409, TOO_LARGE 413, INVALID_SPEC / POLICY_VIOLATION / UNVERIFIED / SECRET_UNAVAILABLE 422, INVALID_CONFIG / INTERNAL 500, IMAGE_UNAVAILABLE / AGENT_UNAVAILABLE / RUNTIME / JOB_FAILED 502, RUNTIME_UNAVAILABLE / SOURCE_UNAVAILABLE 503, BOOT_TIMEOUT 504.
     */
    code:
      | 'INVALID_SPEC'
      | 'POLICY_VIOLATION'
      | 'UNVERIFIED'
      | 'SECRET_UNAVAILABLE'
      | 'INVALID_CONFIG'
      | 'USAGE'
      | 'NOT_FOUND'
      | 'CONFLICT'
      | 'IMAGE_UNAVAILABLE'
      | 'RUNTIME_UNAVAILABLE'
      | 'SOURCE_UNAVAILABLE'
      | 'AGENT_UNAVAILABLE'
      | 'UNAUTHORIZED'
      | 'FORBIDDEN'
      | 'TOO_LARGE'
      | 'METHOD_NOT_ALLOWED'
      | 'TIMEOUT'
      | 'NEEDS_OVERRIDE'
      | 'SUSPENDED'
      | 'RUNTIME'
      | 'BOOT_TIMEOUT'
      | 'JOB_FAILED'
      | 'INTERNAL';
    /**
     * One line saying what is wrong.
     */
    message: string;
    /**
     * The error's details (a name, a limit, the located errors of a revision).
     */
    data: {};
    /**
     * What to do about it, when the agent knows.
     */
    hint?: string;
  };
}
/**
 * The agent runs.
 */
export interface HealthAnswer {
  /**
   * Always true.
   */
  ok: true;
  /**
   * The node's name.
   */
  node: string;
}
/**
 * An OpenAPI 3.1 document.
 */
export interface OpenApiDocument {
  /**
   * The OpenAPI version.
   */
  openapi: '3.1.0';
  /**
   * Title, version and description of the API.
   */
  info: {};
  /**
   * Every route.
   */
  paths: {};
}
/**
 * Instances per outcome.
 */
export interface Counts {
  /**
   * Made anew.
   */
  created: number;
  /**
   * Replaced by the spec's (a change, or drift).
   */
  recreated: number;
  /**
   * Taken over as they ran.
   */
  adopted: number;
  /**
   * Started (they were stopped).
   */
  started: number;
  /**
   * Stopped (`active = false`).
   */
  stopped: number;
  /**
   * Removed (no longer in the revision).
   */
  removed: number;
  /**
   * Already as the spec asks.
   */
  unchanged: number;
  /**
   * Names held by something MCP does not own.
   */
  conflict: number;
  /**
   * Held back: a dependency not ready, a back-off, a suspension.
   */
  skipped: number;
  /**
   * The runtime refused or the action failed.
   */
  failed: number;
}
/**
 * One reason a pass or a revision did not simply converge.
 */
export interface Problem {
  /**
   * A stable error code. HTTP status: USAGE 400, UNAUTHORIZED 401, FORBIDDEN 403, NOT_FOUND 404, METHOD_NOT_ALLOWED 405, TIMEOUT 408, CONFLICT / NEEDS_OVERRIDE / SUSPENDED 409, TOO_LARGE 413, INVALID_SPEC / POLICY_VIOLATION / UNVERIFIED / SECRET_UNAVAILABLE 422, INVALID_CONFIG / INTERNAL 500, IMAGE_UNAVAILABLE / AGENT_UNAVAILABLE / RUNTIME / JOB_FAILED 502, RUNTIME_UNAVAILABLE / SOURCE_UNAVAILABLE 503, BOOT_TIMEOUT 504.
   */
  code:
    | 'INVALID_SPEC'
    | 'POLICY_VIOLATION'
    | 'UNVERIFIED'
    | 'SECRET_UNAVAILABLE'
    | 'INVALID_CONFIG'
    | 'USAGE'
    | 'NOT_FOUND'
    | 'CONFLICT'
    | 'IMAGE_UNAVAILABLE'
    | 'RUNTIME_UNAVAILABLE'
    | 'SOURCE_UNAVAILABLE'
    | 'AGENT_UNAVAILABLE'
    | 'UNAUTHORIZED'
    | 'FORBIDDEN'
    | 'TOO_LARGE'
    | 'METHOD_NOT_ALLOWED'
    | 'TIMEOUT'
    | 'NEEDS_OVERRIDE'
    | 'SUSPENDED'
    | 'RUNTIME'
    | 'BOOT_TIMEOUT'
    | 'JOB_FAILED'
    | 'INTERNAL';
  /**
   * One line.
   */
  message: string;
  /**
   * The instance or service it is about.
   */
  name?: string;
}
/**
 * An instance that keeps a pass from converging although nothing failed.
 */
export interface NotHealthy {
  /**
   * The instance.
   */
  name: string;
  /**
   * Why it is not serving as asked.
   */
  state: 'starting' | 'unhealthy' | 'restarting' | 'crash-looping' | 'rolled-back';
  /**
   * The probe's or runtime's last word.
   */
  reason?: string;
  /**
   * Its start_timeout still runs: the agent judges it again by itself.
   */
  pending?: boolean;
}
/**
 * How one pass ended.
 */
export interface PassStatus {
  /**
   * An ISO 8601 time in UTC.
   */
  at: string;
  /**
   * The commit the pass applied (absent for a plain directory).
   */
  revision?: string;
  /**
   * converged: all done and healthy; progressing: nothing wrong, only waiting (start periods, back-offs); degraded: something is wrong (see errors and unhealthy); failed: nothing could be planned (no valid revision, no view of the runtime).
   */
  result: 'converged' | 'progressing' | 'degraded' | 'failed';
  /**
   * One line, e.g. `1 created, 2 unchanged`.
   */
  summary: string;
  /**
   * How long the pass took.
   */
  durationMs: number;
  counts: Counts;
  /**
   * What went wrong.
   */
  errors: Problem[];
  /**
   * Probed instances not healthy, restarting, crash-looping or rolled back.
   */
  unhealthy?: NotHealthy[];
}
/**
 * One line of the node's event log.
 */
export interface EventRecord {
  /**
   * An ISO 8601 time in UTC.
   */
  at: string;
  /**
   * An outcome of a pass; an operator's override, restart, suspension or resume; the registry started afresh; a revision rejected; a deploy job's run; a health transition, rollback or crash loop; an image event of the digest check.
   */
  kind:
    | 'created'
    | 'recreated'
    | 'adopted'
    | 'started'
    | 'stopped'
    | 'removed'
    | 'unchanged'
    | 'conflict'
    | 'skipped'
    | 'failed'
    | 'override'
    | 'restarted'
    | 'suspended'
    | 'resumed'
    | 'registry'
    | 'rejected'
    | 'job'
    | 'starting'
    | 'healthy'
    | 'unhealthy'
    | 'rolled-back'
    | 'crash-looping'
    | 'image-updated'
    | 'image-check-failed'
    | 'image-check-recovered';
  /**
   * The instance or service it is about.
   */
  name?: string;
  /**
   * One line.
   */
  message: string;
  /**
   * The event's details (who, what changed, a job's log tail).
   */
  data?: {};
}
/**
 * The revision the last finished pass applied.
 */
export interface AppliedRevision {
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  commit: string | null;
  /**
   * An ISO 8601 time in UTC.
   */
  at: string;
  /**
   * How that pass ended.
   */
  result: 'converged' | 'progressing' | 'degraded' | 'failed';
}
/**
 * A pass in progress: the revision it works towards.
 */
export interface ApplyingRevision {
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  commit: string | null;
  /**
   * An ISO 8601 time in UTC.
   */
  since: string;
}
/**
 * The newest revision the source returned and what became of it.
 */
export interface SeenRevision {
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  commit: string | null;
  /**
   * An ISO 8601 time in UTC.
   */
  at: string;
  /**
   * applied; applying (a pass is on it); pending (a pass could not apply it, see the last pass's errors); rejected (invalid, `errors` locates every fault); held (it removes most of the node's services and waits for an override).
   */
  fate: 'applied' | 'applying' | 'pending' | 'rejected' | 'held';
  /**
   * Why it was rejected.
   */
  errors: Problem[];
  /**
   * For a held revision: the instances it would remove.
   */
  wouldRemove: string[];
}
/**
 * An operator's hands-off for the node or one service (`mcp suspend`).
 */
export interface Suspension {
  /**
   * The whole node, or one service.
   */
  scope: 'node' | 'service';
  /**
   * The node's or the service's name.
   */
  target: string;
  /**
   * An ISO 8601 time in UTC.
   */
  since: string;
  /**
   * The name of the token that suspended it.
   */
  by: string;
  /**
   * Why, as given (may be empty).
   */
  reason: string;
}
/**
 * The node's status: three revisions kept apart so that seen is never taken for done.
 */
export interface StatusAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * The agent's version, from its package.json (`mcp-agent --version`). `mcp status` warns when the agents it asks run different versions. Agents before 0.1.0 do not send it.
   */
  version?: string;
  /**
   * Where the node reads its revisions: `URL#branch`, or a directory.
   */
  source: string;
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  revision: string | null;
  /**
   * The revision the last finished pass applied; null before any.
   */
  applied: AppliedRevision | null;
  /**
   * The revision a pass applies right now; null between passes.
   */
  applying: ApplyingRevision | null;
  /**
   * The newest revision the source returned and its fate; null before the first read.
   */
  newest: SeenRevision | null;
  /**
   * How the last pass ended; null before the first.
   */
  lastPass: PassStatus | null;
  /**
   * The suspensions in force, the node's and its services', oldest first.
   */
  suspensions: Suspension[];
  /**
   * How the node trusts its source: `signed commits only (...)`, `any commit: ...`, or `not verified: a local directory`.
   */
  trust?: string;
  /**
   * An ISO 8601 time in UTC.
   */
  nextPass?: string;
  vm?: AccelChoice;
}
/**
 * One kept component of a service (not a job) with its live state.
 */
export interface ServiceComponent {
  /**
   * The component's name.
   */
  name: string;
  /**
   * Its instance's name, `<service>-<component>`.
   */
  instance: string;
  /**
   * A podman container or a QEMU VM.
   */
  kind: 'container' | 'unikernel';
  /**
   * The image (a container's reference, a VM's kernel image).
   */
  image: string;
  /**
   * As the runtime reports it; `missing` when it does not exist, `unknown` when the runtime cannot be asked.
   */
  state: 'running' | 'created' | 'exited' | 'paused' | 'stopping' | 'unknown' | 'missing';
  /**
   * The health probe's verdict; `none` without a probe.
   */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy';
  /**
   * Why it is not serving as asked (unhealthy, restarting, crash-looping, rolled back), from the last pass.
   */
  healthNote: string | null;
  /**
   * What a pass (or an operator's restart) is doing to the instance right now; null when nothing.
   */
  activity: {
    /**
     * `pulling` only while an image is really being pulled.
     */
    phase: 'pulling' | 'creating' | 'starting' | 'stopping' | 'removing';
    /**
     * An ISO 8601 time in UTC.
     */
    since: string;
  } | null;
  /**
   * A VM's address on the isolated bridge.
   */
  address?: string;
  /**
   * When it last started; null unless running, or when the runtime cannot say.
   */
  startedAt: string | null;
  /**
   * Its published ports (`127.0.0.1:8080->80`, `53->53/udp`) and routes (`route rest->8443`), from the spec.
   */
  ports: string[];
  /**
   * The pull policy, when not `missing`.
   */
  pull?: 'always' | 'newer';
  /**
   * A container's running image digest in its repository (comma-separated when podman knows several); null when unknown. Absent for VMs.
   */
  digest?: string | null;
}
/**
 * How a deploy job last ran.
 */
export interface JobRun {
  /**
   * The job's instance name, `<service>-<job>`.
   */
  name: string;
  /**
   * Its service.
   */
  service: string;
  /**
   * Before or after its service's change.
   */
  when: 'pre-deploy' | 'post-deploy';
  /**
   * The change it ran for: a job runs once per change.
   */
  key: string;
  /**
   * pending: a post-deploy job waiting for its service to be healthy.
   */
  result: 'succeeded' | 'failed' | 'pending';
  /**
   * null: it ran past its timeout, or never started.
   */
  exitCode: number | null;
  /**
   * Why it failed, in one line.
   */
  reason?: string;
  /**
   * The last lines of its log.
   */
  logTail: string[];
  /**
   * An ISO 8601 time in UTC.
   */
  at: string;
  /**
   * How long it ran.
   */
  durationMs: number;
}
/**
 * One deploy job of a service.
 */
export interface Job {
  /**
   * The job's name.
   */
  name: string;
  /**
   * Its instance's name, `<service>-<job>`.
   */
  instance: string;
  /**
   * Before or after its service's change.
   */
  when: 'pre-deploy' | 'post-deploy';
  /**
   * Its image.
   */
  image: string;
  /**
   * Its last run; null: never ran.
   */
  lastRun: JobRun | null;
}
/**
 * The node's services.
 */
export interface ServicesAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  revision: string | null;
  /**
   * The node's services in that revision.
   */
  services: {
    /**
     * The service's name.
     */
    name: string;
    /**
     * false: `active = false`, its instances kept stopped.
     */
    active: boolean;
    /**
     * The services it starts after.
     */
    dependsOn: string[];
    /**
     * The suspension covering it (the node's, else its own); null when none.
     */
    suspended: Suspension | null;
    /**
     * Its deploy jobs.
     */
    jobs: Job[];
    /**
     * Its kept components.
     */
    components: ServiceComponent[];
  }[];
  /**
   * Why the runtime could not be asked (every state is then `unknown`); null when it could.
   */
  runtimeError: string | null;
}
/**
 * One instance MCP manages on this node.
 */
export interface PsInstance {
  /**
   * The instance's name.
   */
  name: string;
  /**
   * The runtime's id, first 12 characters.
   */
  id: string;
  /**
   * A podman container or a QEMU VM.
   */
  kind: 'container' | 'unikernel';
  /**
   * The instance's state as the runtime reports it.
   */
  state: 'running' | 'created' | 'exited' | 'paused' | 'stopping' | 'unknown';
  /**
   * Its image.
   */
  image: string;
  /**
   * Its service, from its labels or the adoption record.
   */
  service: string | null;
  /**
   * Its component.
   */
  component: string | null;
  /**
   * The commit it was made from.
   */
  revision: string | null;
  /**
   * The health probe's verdict; `none` without a probe.
   */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy';
  /**
   * What a pass (or an operator's restart) is doing to the instance right now; null when nothing.
   */
  activity: {
    /**
     * `pulling` only while an image is really being pulled.
     */
    phase: 'pulling' | 'creating' | 'starting' | 'stopping' | 'removing';
    /**
     * An ISO 8601 time in UTC.
     */
    since: string;
  } | null;
  /**
   * The suspension covering its service; null when none.
   */
  suspended: Suspension | null;
}
/**
 * The node's instances.
 */
export interface PsAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * Sorted by name.
   */
  instances: PsInstance[];
}
/**
 * The node's events.
 */
export interface EventsAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * Newest first.
   */
  events: EventRecord[];
}
/**
 * The token's name and role.
 */
export interface WhoamiAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * The token's name in `[[api.tokens]]`.
   */
  token: string;
  /**
   * Its role.
   */
  role: 'read' | 'operate';
}
/**
 * A pass is asked for.
 */
export interface Triggered {
  /**
   * Always true.
   */
  triggered: true;
}
/**
 * The pass that ended.
 */
export interface ReconcileAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * How the pass ended.
   */
  lastPass: PassStatus | null;
}
/**
 * What the pass did with each container to adopt.
 */
export interface AdoptAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * One per container; empty when none was to adopt.
   */
  adopted: {
    /**
     * The container's name.
     */
    name: string;
    /**
     * Taken over as it ran, or replaced from the spec.
     */
    outcome: 'adopted' | 'recreated';
    /**
     * Why.
     */
    reason: string;
  }[];
  /**
   * How the pass ended; null when none was needed.
   */
  lastPass: PassStatus | null;
}
/**
 * The instances restarted.
 */
export interface RestartAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * The instances, in the order restarted.
   */
  restarted: string[];
  /**
   * The token's name, as the `restarted` events record it.
   */
  by: string;
}
/**
 * What to suspend or resume.
 */
export interface SuspendRequest {
  /**
   * One service of the node; absent: the whole node.
   */
  service?: string;
  /**
   * Why, one line (kept with the suspension, shown by mcp status).
   */
  reason?: string;
}
/**
 * The suspension asked about and whether the call changed anything.
 */
export interface SuspendAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * After a suspend: the one in force (the earlier one when it was already suspended). After a resume: the one lifted; null when there was none.
   */
  suspension: Suspension | null;
  /**
   * false: already suspended, or nothing to resume (and no pass follows).
   */
  changed: boolean;
  /**
   * With `wait=true` and a change: the pass that followed.
   */
  lastPass?: PassStatus | null;
}
/**
 * A revision's files, as `mcp plan --live` posts its working copy.
 */
export interface PlanRequest {
  /**
   * The commit (or a label) the files are from, echoed as `revision`.
   */
  commit?: string;
  /**
   * `services/<name>.toml`, `nodes/<node>.toml`, `.mcp/recipients.toml`, `secrets/<service>/<name>.age` or `.recipients`.
   */
  files: {
    /**
     * The file's path in the repository.
     */
    path: string;
    /**
     * Its text.
     */
    text?: string;
    /**
     * Its bytes in base64 (for a binary age file), instead of `text`.
     */
    base64?: string;
  }[];
}
/**
 * One field that differs between the running instance and the spec.
 */
export interface FieldChange {
  /**
   * The field, e.g. `image`, `env`.
   */
  field: string;
  /**
   * Its running value.
   */
  from: unknown;
  /**
   * Its value in the spec.
   */
  to: unknown;
  /**
   * The variables whose change made it, e.g. `var.tag: v1 -> v2`.
   */
  because?: string[];
}
/**
 * One step the agent would take for one instance.
 */
export interface Action {
  /**
   * The step.
   */
  kind: 'create' | 'recreate' | 'adopt' | 'start' | 'stop' | 'remove' | 'conflict' | 'unchanged';
  /**
   * The instance, `<service>-<component>`.
   */
  name: string;
  /**
   * Its service.
   */
  service: string;
  /**
   * Its component.
   */
  component: string;
  /**
   * Why, one line.
   */
  reason: string;
  spec?: ComponentSpec;
  /**
   * The spec's hash.
   */
  hash?: string;
  /**
   * For recreate: what changed.
   */
  changes?: FieldChange[];
  /**
   * The runtime id of the existing instance it acts on.
   */
  id?: string;
  /**
   * The instances it waits for.
   */
  dependsOn?: string[];
  /**
   * It repairs drift, not a change of the revision.
   */
  drift?: boolean;
  /**
   * The revision its spec comes from, when not the plan's (a rollback).
   */
  revision?: string;
}
/**
 * A component as the agent runs it: the service file's fields with variables resolved and defaults filled (the service file reference says what each means).
 */
export interface ComponentSpec {
  /**
   * Its service.
   */
  service: string;
  /**
   * The component's name.
   */
  name: string;
  /**
   * A podman container or a QEMU VM (a job is a container with `job`).
   */
  kind: 'container' | 'unikernel';
  /**
   * Its image: a container's reference, a VM's kernel image.
   */
  image: string;
  /**
   * The podman network it joins, or the mode `host` / `none`.
   */
  network?: string;
  /**
   * The user it runs as.
   */
  user?: string;
  /**
   * The runtime's restart policy.
   */
  restart: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  /**
   * Published ports.
   */
  ports: {
    /**
     * The host address it is published on; empty: all addresses.
     */
    hostIp: string;
    /**
     * The port on the host.
     */
    hostPort: number;
    /**
     * The port inside.
     */
    containerPort: number;
    /**
     * The protocol.
     */
    protocol: 'tcp' | 'udp';
  }[];
  /**
   * Bind mounts.
   */
  volumes: {
    /**
     * The host path.
     */
    source: string;
    /**
     * The path inside.
     */
    target: string;
    /**
     * Mounted read-only.
     */
    readOnly: boolean;
  }[];
  /**
   * The command; empty: the image's.
   */
  cmd: string[];
  /**
   * Environment, `NAME=value`.
   */
  env: string[];
  /**
   * The secrets it is given.
   */
  secrets?: {
    /**
     * The secret's name.
     */
    name: string;
    /**
     * The environment variable it is given as.
     */
    env?: string;
    /**
     * The file it is given as.
     */
    file?: string;
    /**
     * With `file`: its permission bits.
     */
    mode?: number;
    /**
     * A keyed digest of the plain text (never the plain text), so a rotation changes the spec.
     */
    digest?: string;
  }[];
  /**
   * The components of its service it starts after.
   */
  dependsOn: string[];
  /**
   * Named ports the agent publishes on host ports it allocates.
   */
  routes: {
    /**
     * The route's name.
     */
    name: string;
    /**
     * The port inside.
     */
    port: number;
    /**
     * `l4` or `l7`, as the service file's route says.
     */
    mode: 'l4' | 'l7';
    /**
     * The host name of the route, when the service file gives one.
     */
    hostname?: string;
  }[];
  /**
   * A VM's memory in MiB.
   */
  memory?: number;
  /**
   * A VM's virtual CPUs.
   */
  cpus?: number;
  /**
   * Its health probe; absent: none, running is as good as it gets.
   */
  health?: {
    /**
     * What the probe checks: `cmd` (a command inside), `http` (a GET of `path` on `port`) or `tcp` (a connect to `port`).
     */
    probe: {
      /**
       * The probe's kind.
       */
      kind: 'cmd' | 'http' | 'tcp';
      /**
       * For `cmd`: the command.
       */
      cmd?: string[];
      /**
       * For `http` and `tcp`: the port.
       */
      port?: number;
      /**
       * For `http`: the path.
       */
      path?: string;
    };
    /**
     * Seconds between probes.
     */
    interval: number;
    /**
     * Seconds a probe may take.
     */
    timeout: number;
    /**
     * Failures in a row before unhealthy.
     */
    retries: number;
    /**
     * Seconds after a start when failures do not count.
     */
    startPeriod: number;
    /**
     * Seconds a new instance has to turn healthy, else its rollout failed.
     */
    startTimeout: number;
  };
  /**
   * Present for a deploy job: a container run to completion around a change of its service.
   */
  job?: {
    /**
     * Before its service's other components change, or once they are healthy.
     */
    when: 'pre-deploy' | 'post-deploy';
    /**
     * Seconds it may run.
     */
    timeout: number;
  };
  /**
   * The variables the fields were resolved with: field, then `var.NAME`, then value.
   */
  vars?: {
    [k: string]: {
      [k: string]: string;
    };
  };
  /**
   * When the image is pulled; absent: only when missing locally.
   */
  pull?: 'always' | 'newer';
  /**
   * For `pull = "newer"`: the local image id the tag named when the pass looked.
   */
  imageId?: string;
}
/**
 * What a pass would do, in stages: each stage depends only on earlier ones.
 */
export interface Plan {
  /**
   * The node's name.
   */
  node: string;
  /**
   * The revision planned.
   */
  revision?: string;
  /**
   * The actions, stage by stage.
   */
  stages: Action[][];
  /**
   * The plan removes more than half of the node's services: applying needs an override.
   */
  needsOverride: boolean;
  /**
   * needsOverride without an override: a pass would skip the removals.
   */
  holdRemovals: boolean;
  counts: Counts;
}
/**
 * The plan of the posted revision.
 */
export interface PlanAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * The posted `commit`; null when none.
   */
  revision: string | null;
  plan: Plan;
  /**
   * The suspensions in force: what they would hold of the plan.
   */
  suspensions: Suspension[];
}
/**
 * A service as the agent runs it.
 */
export interface ServiceSpec {
  /**
   * The service's name.
   */
  name: string;
  /**
   * The node it runs on.
   */
  node: string;
  /**
   * false: its instances are kept stopped.
   */
  active: boolean;
  /**
   * The services it starts after.
   */
  dependsOn: string[];
  /**
   * Present (false) when a spec that never turns healthy stays instead of being rolled back.
   */
  rollback?: false;
  /**
   * Its components and jobs.
   */
  components: ComponentSpec[];
  /**
   * The ciphertexts (base64) of the secrets its components name, by name; never plaintext.
   */
  secrets?: {
    [k: string]: string;
  };
  /**
   * The file that defines it, relative to the repository root.
   */
  file: string;
}
/**
 * The spec in force for one service.
 */
export interface SpecAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * A git commit id; null for a revision read from a plain directory.
   */
  revision: string | null;
  spec: ServiceSpec;
}
/**
 * One service's instances.
 */
export interface InstancesAnswer {
  /**
   * The node's name.
   */
  node: string;
  /**
   * One per kept component.
   */
  instances: {
    /**
     * The instance's name.
     */
    name: string;
    /**
     * As the runtime reports it now; `missing` when it does not exist.
     */
    state: 'running' | 'created' | 'exited' | 'paused' | 'stopping' | 'unknown' | 'missing';
    /**
     * When it last started; null when unknown.
     */
    startedAt: string | null;
  }[];
}
/**
 * The answer to a ping.
 */
export interface Pong {
  /**
   * Always true.
   */
  pong: true;
}
/**
 * What the push did.
 */
export interface WebhookAnswer {
  /**
   * true: a pass is asked for; false: the push was to another branch.
   */
  triggered: boolean;
  /**
   * With false: which ref was pushed and which branch the agent follows.
   */
  reason?: string;
}
/**
 * The file written.
 */
export interface FilePushAnswer {
  /**
   * The service.
   */
  service: string;
  /**
   * The file's path in the service's directory.
   */
  path: string;
  /**
   * How many bytes were written.
   */
  bytes: number;
}
/**
 * What the status page shows.
 */
export interface PageConfig {
  /**
   * One node's page.
   */
  mode: 'node';
  /**
   * This node's name.
   */
  nodes: string[];
}

/**
 * The port every instance runtime implements: containers (podman through its API socket), VMs
 * (QEMU), and an in-memory fake for unit tests. Speaks only domain types: no dockerode type
 * crosses it.
 */
import type { Observed, RunningConfig } from '../domain/observed.js';
import type { ComponentSpec } from '../domain/spec.js';

/** The secrets an instance receives, already decrypted by the agent: never logged, never recorded. */
export interface SecretDelivery {
  /** `NAME=value` entries added to the environment. */
  env: string[];
  /** Files on the agent's tmpfs, bind-mounted read-only at `target`. */
  files: { source: string; target: string }[];
}

/** Everything needed to create one instance of a component. */
export interface CreateRequest {
  spec: ComponentSpec;
  /** Goes into the `mcp.spec-hash` label. */
  hash: string;
  /** Goes into the `mcp.revision` label. */
  revision?: string;
  /** Host ports allocated for the component's routes: route name -> host port. */
  routePorts: Record<string, number>;
  /** The node whose agent creates it: goes into the `mcp.node` label. */
  node?: string;
  /** Its secrets' values, for the runtime to hand over and forget. */
  secrets?: SecretDelivery;
}

/** How a job's container ended. */
export interface JobOutcome {
  /** null: it ran past its time and was killed. */
  exitCode: number | null;
  /** The last lines of its log (stdout and stderr). */
  logTail: string[];
}

/** A change the runtime noticed on its own (a container died, was removed by hand, ...). */
export interface RuntimeEvent {
  type: 'start' | 'die' | 'stop' | 'remove' | 'create' | 'resync';
  name: string;
  id: string;
  managed: boolean;
  /** The `mcp.spec-hash` label of the instance, when it has one. */
  hash?: string;
  /** The `mcp.node` label of the instance, when it has one (instances made before it have none). */
  node?: string;
  /**
   * Caused by this runtime's own stop or remove (the agent's action, not drift): the pass that
   * asked for it already accounts for it, so it triggers no pass.
   */
  own: boolean;
  /**
   * Told late: a death of an instance already gone or whose name another instance holds by
   * now, or a removal of one the runtime's view never held or whose name another managed
   * instance holds by now (it was made again): it tells nothing about an instance that runs.
   */
  stale?: true;
}

/** What one run of a runtime's own health check says (podman counts retries and start period itself). */
export interface ProbeOutcome {
  state: 'starting' | 'healthy' | 'unhealthy';
  error?: string;
}

export interface InstanceRuntime {
  /**
   * Runs the instance's own health check (a `cmd` probe, given to the runtime at create) once.
   * Only runtimes that can run a command inside an instance have it.
   */
  healthcheck?(name: string, timeoutMs: number): Promise<ProbeOutcome>;
  /** How often the runtime relisted everything and reconnected its event stream (runtimes that have one). */
  stats?(): { relists: number; reconnects: number };
  /**
   * The current view of every managed instance and of every instance holding a name MCP
   * needs (`names`), plus the local ids of `imageRefs`. Served from a cache kept current by
   * the event stream; throws McpError RUNTIME_UNAVAILABLE when the view is not complete.
   */
  observe(names: readonly string[], imageRefs: readonly string[]): Promise<Observed>;
  /**
   * What runs in instance `id`, in spec terms, asked of the runtime itself: what `mcp adopt`
   * compares with the spec. NOT_FOUND when it is gone.
   */
  inspect(id: string): Promise<RunningConfig>;
  /** Replaces the cache by a full relist (the periodic resync pass). */
  resync(): Promise<void>;
  /**
   * Returns the local image id of `ref`, pulling it when missing; IMAGE_UNAVAILABLE when it
   * cannot. `onPull` is called just before a pull begins, and only then (never for an image
   * already present, nor by a runtime that does not pull), so "pulling" is never claimed falsely.
   */
  ensureImage(ref: string, onPull?: () => void): Promise<string>;
  /**
   * Pulls `ref` by policy and returns the tag's local id afterwards: `always` fetches it,
   * `newer` asks the registry for the tag's digest and fetches only when it moved.
   * IMAGE_UNAVAILABLE when the registry cannot be asked. Runtimes that pull have it.
   */
  pullImage?(ref: string, policy: 'always' | 'newer'): Promise<string>;
  /**
   * The manifest digests the runtime knows for local image `id` in `ref`'s repository: from its
   * cache (no call), or with `ask`, from the runtime when the cache has none yet (an image just
   * pulled). What events and `mcp status SERVICE` show as an image's digest.
   */
  imageDigests?(ref: string, id: string, ask?: boolean): Promise<string[]>;
  /** Creates the named network (with DNS between its members) when it does not exist. */
  ensureNetwork(name: string): Promise<void>;
  /** Creates (does not start) the instance `<service>-<component>`; returns its id. CONFLICT when the name is taken. */
  create(req: CreateRequest): Promise<string>;
  /**
   * Runs a job to its end: creates its container (labelled a job, not a managed instance),
   * starts it, waits up to `timeoutMs` (then kills it), reads the last lines of its log and
   * removes it, in every case. A job container an earlier run left under the name is removed
   * first; anything else holding the name is a CONFLICT. Runtimes that run containers have it.
   */
  runJob?(req: CreateRequest, timeoutMs: number): Promise<JobOutcome>;
  /** Starts; already running is success. */
  start(id: string): Promise<void>;
  /** Stops within `timeoutSeconds`; already stopped is success. */
  stop(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes, stopping first if needed; already gone is success. */
  remove(id: string): Promise<void>;
  /**
   * When the instance last started (ISO time), asked of the runtime now: for an operator's
   * query (`mcp status SERVICE`), never on a pass's path. Undefined when it never ran or the
   * runtime cannot say; runtimes without it leave it out.
   */
  startedAt?(id: string): Promise<string | undefined>;
  /** Subscribes to runtime events; returns the unsubscribe function. */
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
  /** Stops watching and releases the connection. */
  close(): Promise<void>;
}

/**
 * The podman implementation of InstanceRuntime, over podman's Docker-compatible API socket.
 * Reads come from the informer's cache (zero API calls); writes go straight to podman and
 * record their known effect in the cache at once (read-your-writes); the event stream then
 * refreshes the entry with podman's own view.
 */
import { McpError } from '../../domain/errors.js';
import type { Observed, RunningConfig } from '../../domain/observed.js';
import { isNetworkMode } from '../../domain/spec.js';
import type {
  CreateRequest,
  InstanceRuntime,
  JobOutcome,
  ProbeOutcome,
  RuntimeEvent,
} from '../../ports/instance-runtime.js';
import { createClient, deadline, type PodmanClient, TIMEOUT_MS } from './client.js';
import { toCreateOptions } from './create-options.js';
import { podmanMessage, statusOf, toMcpError } from './errors.js';
import { runHealthcheck } from './healthcheck.js';
import { ensureImage, imageRepoDigests, pullImage } from './images.js';
import { Informer } from './informer.js';
import { inspectContainer } from './inspect.js';
import { runJobContainer } from './job.js';
import { type Log, noLog } from './log.js';
import { ensureNetwork } from './network.js';
import { digestsOf, lookupImage, registryOf, repoDigests } from './translate.js';

/** How to reach podman and how often to relist in full. */
export interface PodmanRuntimeOptions {
  socketPath: string;
  /** Full relist period; default 10 minutes. */
  relistIntervalMs?: number;
  /** How long podman may take to answer the event-stream request before it counts as down; default 10 s. */
  streamOpenTimeoutMs?: number;
  /** Written into each container as its StopTimeout (used when it is removed while running). */
  stopTimeoutSeconds?: number;
  onLog?: Log;
  /** Registries (`host[:port]`) pulled from without TLS verification (plain HTTP allowed). */
  insecureRegistries?: readonly string[];
}

/**
 * Connects, lists once and starts watching; resolves even when podman is not up yet (observe
 * then refuses). `wait: false` resolves at once: the first observe waits for the first
 * connection instead, so what a pass does before it (loading the revision) overlaps podman's list.
 */
export const createPodmanRuntime = async (
  opts: PodmanRuntimeOptions,
  { wait = true }: { wait?: boolean } = {},
): Promise<PodmanRuntime> => {
  const runtime = new PodmanRuntime(opts);
  const opened = runtime.open();
  if (wait) await opened;
  return runtime;
};

/** InstanceRuntime on podman, plus the counters and sync state tests and benchmarks need. */
export class PodmanRuntime implements InstanceRuntime {
  private readonly client: PodmanClient;
  private readonly informer: Informer;
  private readonly log: Log;
  private readonly networks = new Set<string>();

  constructor(private readonly opts: PodmanRuntimeOptions) {
    this.client = createClient(opts.socketPath);
    this.log = opts.onLog ?? noLog;
    this.informer = new Informer(this.client, {
      relistIntervalMs: opts.relistIntervalMs ?? 600_000,
      streamOpenTimeoutMs: opts.streamOpenTimeoutMs ?? TIMEOUT_MS.streamOpen,
      log: this.log,
    });
  }

  /** Relists of the informer and reconnects of its event stream so far (metrics). */
  stats(): { relists: number; reconnects: number } {
    return { ...this.informer.counts };
  }

  /** The first connection attempt (an observe waits for it). */
  private opened: Promise<void> = Promise.resolve();

  /** Starts the informer; called once by createPodmanRuntime. */
  open(): Promise<void> {
    this.opened = this.informer.start();
    return this.opened;
  }

  /** HTTP requests made to podman so far, the event stream's included. */
  apiCalls(): number {
    return this.client.requests();
  }

  /** True while the cache is complete and current. */
  isSynced(): boolean {
    return this.informer.isSynced();
  }

  /** Waits until the cache is synced; false after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean> {
    return this.informer.whenSynced(timeoutMs);
  }

  async observe(names: readonly string[], imageRefs: readonly string[]): Promise<Observed> {
    await this.opened;
    return this.informer.snapshot(names, imageRefs);
  }

  resync(): Promise<void> {
    return this.informer.resync();
  }

  async ensureImage(ref: string, onPull?: () => void): Promise<string> {
    const id = await ensureImage(
      this.client.api,
      this.informer.imageIndex(),
      ref,
      this.tlsVerify(ref),
      onPull,
    );
    this.informer.noteImage(ref, id);
    return id;
  }

  async pullImage(ref: string, policy: 'always' | 'newer'): Promise<string> {
    const id = await pullImage(this.client.api, ref, { policy, tlsVerify: this.tlsVerify(ref) });
    this.informer.noteImage(ref, id);
    return id;
  }

  async imageDigests(ref: string, id: string, ask = false): Promise<string[]> {
    const index = this.informer.imageIndex();
    const known = index ? repoDigests(index, ref, id) : [];
    if (known.length > 0 || !ask) return known;
    return digestsOf(await imageRepoDigests(this.client.api, id), ref);
  }

  private tlsVerify(ref: string): boolean {
    const registry = registryOf(ref);
    return !(registry && this.opts.insecureRegistries?.includes(registry));
  }

  async ensureNetwork(name: string): Promise<void> {
    if (this.networks.has(name) || isNetworkMode(name)) return;
    if (await ensureNetwork(this.client.api, name)) this.log('info', 'network created', { network: name });
    this.networks.add(name);
  }

  async create(req: CreateRequest): Promise<string> {
    const body = toCreateOptions(req, this.opts.stopTimeoutSeconds);
    // A pinned spec whose tag moved on (a rollback of pull = "newer") runs the image it names by id.
    const pinned = req.spec.imageId;
    const index = this.informer.imageIndex();
    if (pinned && index && lookupImage(index, req.spec.image) !== pinned) body.Image = pinned;
    const name = body.name ?? '';
    const since = this.informer.mark();
    this.informer.creating(name);
    let id: string;
    try {
      const signal = deadline(TIMEOUT_MS.mutate);
      id = (await this.client.api.createContainer({ ...body, abortSignal: signal })).id;
    } catch (err) {
      this.informer.createFailed(name);
      throw this.createError(err, req, name);
    }
    const images = this.informer.imageIndex();
    const imageId = pinned ?? (images && lookupImage(images, req.spec.image));
    const labels = { ...body.Labels };
    const created = {
      id,
      name,
      kind: 'container' as const,
      state: 'created' as const,
      image: req.spec.image,
    };
    this.informer.created(name, id, since, { ...created, imageId, labels });
    return id;
  }

  runJob(req: CreateRequest, timeoutMs: number): Promise<JobOutcome> {
    return runJobContainer(this.client, req, timeoutMs);
  }

  healthcheck(name: string, timeoutMs: number): Promise<ProbeOutcome> {
    return runHealthcheck(this.client, name, timeoutMs);
  }

  inspect(id: string): Promise<RunningConfig> {
    return inspectContainer(this.client, id);
  }

  async start(id: string): Promise<void> {
    this.informer.ownStop(id, false);
    const since = this.informer.mark();
    const container = this.client.api.getContainer(id);
    try {
      if (this.informer.stateOf(id) === 'paused')
        await container.unpause({ abortSignal: deadline(TIMEOUT_MS.mutate) });
      else await container.start({ abortSignal: deadline(TIMEOUT_MS.mutate) });
    } catch (err) {
      if (statusOf(err) !== 304) throw toMcpError(err, `start ${id}`, { id });
    }
    this.informer.local(id, since, (c) => c && { ...c, state: 'running' });
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    this.informer.ownStop(id, true);
    const since = this.informer.mark();
    try {
      const signal = deadline(timeoutSeconds * 1000 + TIMEOUT_MS.mutate);
      await this.client.api.getContainer(id).stop({ t: timeoutSeconds, abortSignal: signal });
    } catch (err) {
      if (statusOf(err) !== 304 && statusOf(err) !== 404) throw toMcpError(err, `stop ${id}`, { id });
    }
    this.informer.local(id, since, (c) => c && { ...c, state: 'exited' });
  }

  async remove(id: string): Promise<void> {
    this.informer.ownStop(id, true);
    const since = this.informer.mark();
    try {
      await this.client.api
        .getContainer(id)
        .remove({ force: true, abortSignal: deadline(TIMEOUT_MS.mutate) });
    } catch (err) {
      if (statusOf(err) !== 404) throw toMcpError(err, `remove ${id}`, { id });
    }
    this.informer.local(id, since, () => undefined);
  }

  async startedAt(id: string): Promise<string | undefined> {
    try {
      const info = await this.client.api
        .getContainer(id)
        .inspect({ abortSignal: deadline(TIMEOUT_MS.mutate) });
      const at = info.State?.StartedAt;
      return at && !at.startsWith('0001-') ? new Date(at).toISOString() : undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toMcpError(err, `inspect ${id}`, { id });
    }
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.informer.onEvent(listener);
  }

  async close(): Promise<void> {
    this.informer.close();
  }

  private createError(err: unknown, req: CreateRequest, name: string): McpError {
    const message = podmanMessage(err);
    const { image, network } = req.spec;
    if (statusOf(err) === 404 && /image/i.test(message)) {
      return new McpError('IMAGE_UNAVAILABLE', `image ${image} is not present locally`, {
        image,
        reason: message,
      });
    }
    if (network && /network not found/.test(message)) {
      this.networks.delete(network);
      return new McpError('NOT_FOUND', `network ${network} not found`, { network, reason: message });
    }
    const mapped = toMcpError(err, `create ${name}`, { name });
    if (mapped.code !== 'CONFLICT') return mapped;
    return new McpError(
      'CONFLICT',
      `name ${name} is already in use`,
      { name, reason: message },
      { cause: err },
    );
  }
}

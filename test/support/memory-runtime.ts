/**
 * An in-memory InstanceRuntime with the semantics of the podman adapter (the shared contract
 * suite proves it), plus fault injection and by-hand drift, so unit tests of the agent run
 * without podman and can make the runtime fail exactly where they want.
 */
import { createHash } from 'node:crypto';
import { McpError } from '../../src/domain/errors.js';
import { managedLabels } from '../../src/domain/instance.js';
import {
  type InstanceState,
  LABEL,
  type Observed,
  type ObservedInstance,
  type RunningConfig,
} from '../../src/domain/observed.js';
import { instanceName } from '../../src/domain/spec.js';
import type {
  CreateRequest,
  InstanceRuntime,
  JobOutcome,
  RuntimeEvent,
} from '../../src/ports/instance-runtime.js';

/** Every operation of the port, for `calls` counters and `failNext`. */
export type MemoryOp =
  | 'observe'
  | 'resync'
  | 'ensureImage'
  | 'ensureNetwork'
  | 'create'
  | 'start'
  | 'stop'
  | 'remove'
  | 'runJob';

/** One instance as the fake stores it; `request` is set for instances created through the port. */
export interface MemoryInstance extends ObservedInstance {
  request?: CreateRequest;
  /** For an unmanaged instance: what `inspect` reports it runs. */
  running?: Omit<RunningConfig, 'id' | 'imageId'>;
  network?: string;
}

/** Options of the fake: `latencyMs` delays every call, to exercise concurrency. */
export interface MemoryRuntimeOptions {
  latencyMs?: number;
}

const OPS: MemoryOp[] = [
  'observe',
  'resync',
  'ensureImage',
  'ensureNetwork',
  'create',
  'start',
  'stop',
  'remove',
  'runJob',
];
const API_OPS: MemoryOp[] = OPS.filter((op) => op !== 'observe');

/** The in-memory fake of InstanceRuntime; ids are deterministic (`mem-000001`, ...). */
export class MemoryRuntime implements InstanceRuntime {
  /** How many times each operation was called (failed calls included). */
  readonly calls: Record<MemoryOp, number> = Object.fromEntries(OPS.map((op) => [op, 0])) as Record<
    MemoryOp,
    number
  >;
  /** Every event emitted, in order. */
  readonly events: RuntimeEvent[] = [];
  readonly networks = new Set<string>();
  private readonly instances = new Map<string, MemoryInstance>();
  private readonly images = new Map<string, string>();
  private readonly remoteImages = new Map<string, string>();
  private readonly failures = new Map<MemoryOp, Error[]>();
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private isDown = false;
  private nextId = 1;

  constructor(private readonly options: MemoryRuntimeOptions = {}) {}

  /** Calls that would reach the runtime's API (everything but observe), as PodmanRuntime counts them. */
  apiCalls(): number {
    return API_OPS.reduce((sum, op) => sum + this.calls[op], 0);
  }

  /** While down, every call throws RUNTIME_UNAVAILABLE (the socket is gone). */
  down(flag = true): void {
    this.isDown = flag;
  }

  /** The next call of `op` throws `error` instead of doing anything. Queued per operation. */
  failNext(op: MemoryOp, error: Error = new McpError('RUNTIME', `injected failure of ${op}`)): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), error]);
  }

  /** Makes `ref` present locally with image id `id` (again: a retag under the same name). */
  addImage(ref: string, id = this.makeImageId(ref)): string {
    this.images.set(ref, id);
    return id;
  }

  /** Makes `ref` pullable: ensureImage will "pull" it; without this, a missing image cannot be pulled. */
  addRemoteImage(ref: string, id = this.makeImageId(ref)): string {
    this.remoteImages.set(ref, id);
    return id;
  }

  /** Removes a local image, as `podman rmi` would. */
  removeImage(ref: string): void {
    this.images.delete(ref);
  }

  /** A container created by hand: no MCP labels unless given. Returns its id. */
  addUnmanaged(
    name: string,
    opts: {
      image?: string;
      labels?: Record<string, string>;
      state?: InstanceState;
      /** What `inspect` reports it runs (default: nothing of a spec). */
      running?: Omit<RunningConfig, 'id' | 'imageId'>;
    } = {},
  ): string {
    if (this.byName(name)) throw new McpError('CONFLICT', `name ${name} is already in use`, { name });
    const image = opts.image ?? 'localhost/unmanaged:latest';
    const id = this.makeId();
    const labels = { ...(opts.labels ?? {}) };
    const imageId = this.images.get(image);
    this.instances.set(id, {
      id,
      name,
      kind: 'container',
      state: opts.state ?? 'running',
      image,
      imageId,
      labels,
      ...(opts.running ? { running: opts.running } : {}),
    });
    this.emit('create', id);
    if ((opts.state ?? 'running') === 'running') this.emit('start', id);
    return id;
  }

  /** The container's process dies on its own or by `kill -9`: it is exited, not removed. */
  killByHand(name: string): void {
    const inst = this.mustByName(name);
    if (inst.state !== 'running') return;
    inst.state = 'exited';
    this.emit('die', inst.id);
  }

  /** `podman stop` by hand. */
  stopByHand(name: string): void {
    const inst = this.mustByName(name);
    if (inst.state !== 'running') return;
    inst.state = 'exited';
    this.emit('die', inst.id);
    this.emit('stop', inst.id);
  }

  /** `podman rm -f` by hand. */
  removeByHand(name: string): void {
    const inst = this.mustByName(name);
    if (inst.state === 'running') this.emit('die', inst.id);
    this.instances.delete(inst.id);
    this.emitFor(inst, 'remove');
  }

  /** The stored instance named `name`, with the request it was created from. */
  instance(name: string): MemoryInstance | undefined {
    return this.byName(name);
  }

  /** Every stored instance, managed or not. */
  list(): MemoryInstance[] {
    return [...this.instances.values()].map((i) => ({ ...i, labels: { ...i.labels } }));
  }

  async observe(names: readonly string[], imageRefs: readonly string[]): Promise<Observed> {
    await this.enter('observe');
    const wanted = new Set(names);
    const instances = [...this.instances.values()]
      .filter((i) => i.labels[LABEL.managed] === 'true' || wanted.has(i.name))
      .map(({ request: _r, network: _n, running: _c, ...i }) => ({ ...i, labels: { ...i.labels } }));
    const images: Record<string, string> = {};
    for (const ref of imageRefs) {
      const id = this.images.get(ref);
      if (id) images[ref] = id;
    }
    return { instances, images };
  }

  async resync(): Promise<void> {
    await this.enter('resync');
  }

  async ensureImage(ref: string, onPull?: () => void): Promise<string> {
    await this.enter('ensureImage');
    const local = this.images.get(ref);
    if (local) return local;
    onPull?.();
    const remote = this.remoteImages.get(ref);
    if (!remote) {
      throw new McpError(
        'IMAGE_UNAVAILABLE',
        `image ${ref} not found locally and the registry is unreachable`,
        {
          image: ref,
        },
      );
    }
    this.images.set(ref, remote);
    return remote;
  }

  async ensureNetwork(name: string): Promise<void> {
    await this.enter('ensureNetwork');
    this.networks.add(name);
  }

  async create(req: CreateRequest): Promise<string> {
    await this.enter('create');
    const name = instanceName(req.spec);
    if (this.byName(name)) throw new McpError('CONFLICT', `name ${name} is already in use`, { name });
    const imageId = this.images.get(req.spec.image);
    if (!imageId) {
      throw new McpError('IMAGE_UNAVAILABLE', `image ${req.spec.image} is not present locally`, {
        image: req.spec.image,
      });
    }
    const network = req.spec.network;
    if (network && !this.networks.has(network)) {
      throw new McpError('NOT_FOUND', `network ${network} not found`, { network });
    }
    const id = this.makeId();
    const labels = managedLabels(req.spec, req.hash, req.revision, req.node);
    const inst = { id, name, kind: 'container' as const, state: 'created' as const, image: req.spec.image };
    this.instances.set(id, { ...inst, imageId, labels, request: req, network });
    this.emit('create', id);
    return id;
  }

  async start(id: string): Promise<void> {
    await this.enter('start');
    const inst = this.byRef(id);
    if (!inst) throw new McpError('NOT_FOUND', `container ${id} not found`, { id });
    if (inst.state === 'running') return;
    inst.state = 'running';
    this.emit('start', inst.id);
  }

  async stop(id: string, _timeoutSeconds: number): Promise<void> {
    await this.enter('stop');
    const inst = this.byRef(id);
    if (inst?.state !== 'running') return;
    inst.state = 'exited';
    this.emit('die', inst.id, true);
    this.emit('stop', inst.id, true);
  }

  async remove(id: string): Promise<void> {
    await this.enter('remove');
    const inst = this.byRef(id);
    if (!inst) return;
    if (inst.state === 'running') this.emit('die', inst.id, true);
    this.instances.delete(inst.id);
    this.emitFor(inst, 'remove', true);
  }

  async inspect(id: string): Promise<RunningConfig> {
    const inst = this.byRef(id);
    if (!inst) throw new McpError('NOT_FOUND', `container ${id} not found`, { id });
    const spec = inst.running ?? inst.request?.spec;
    return {
      id: inst.id,
      ...(inst.imageId ? { imageId: inst.imageId } : {}),
      ports: spec?.ports ?? [],
      volumes: spec?.volumes ?? [],
      env: spec?.env ?? [],
      cmd: spec?.cmd ?? [],
      ...(spec?.user ? { user: spec.user } : {}),
      ...(spec?.network ? { network: spec.network } : {}),
    };
  }

  /** What each job's run ends with, by instance name (default: exit 0, no log); every run's request. */
  readonly jobOutcomes = new Map<string, JobOutcome>();
  readonly jobRequests: CreateRequest[] = [];

  async runJob(req: CreateRequest, _timeoutMs: number): Promise<JobOutcome> {
    await this.enter('runJob');
    this.jobRequests.push(req);
    return this.jobOutcomes.get(instanceName(req.spec)) ?? { exitCode: 0, logTail: [] };
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private async enter(op: MemoryOp): Promise<void> {
    this.calls[op] += 1;
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    if (this.isDown) throw new McpError('RUNTIME_UNAVAILABLE', 'container runtime is down', { op });
    const queued = this.failures.get(op);
    const failure = queued?.shift();
    if (failure) throw failure;
  }

  private emit(type: RuntimeEvent['type'], id: string, own = false): void {
    const inst = this.instances.get(id);
    if (inst) this.emitFor(inst, type, own);
  }

  /** `own`: caused by the port's stop or remove (the agent), not by hand. */
  private emitFor(inst: MemoryInstance, type: RuntimeEvent['type'], own = false): void {
    const managed = inst.labels[LABEL.managed] === 'true';
    const node = inst.labels[LABEL.node];
    const event = { type, name: inst.name, id: inst.id, managed, own, ...(node ? { node } : {}) };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }

  private byName(name: string): MemoryInstance | undefined {
    for (const inst of this.instances.values()) if (inst.name === name) return inst;
    return undefined;
  }

  private byRef(ref: string): MemoryInstance | undefined {
    return this.instances.get(ref) ?? this.byName(ref);
  }

  private mustByName(name: string): MemoryInstance {
    const inst = this.byName(name);
    if (!inst) throw new Error(`MemoryRuntime: no container named ${name}`);
    return inst;
  }

  private makeId(): string {
    return `mem-${String(this.nextId++).padStart(6, '0')}`;
  }

  private makeImageId(ref: string): string {
    return `sha256:${createHash('sha256').update(ref).digest('hex')}`;
  }
}

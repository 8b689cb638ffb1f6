/**
 * List + watch, as Kubernetes informers do: one full list fills the cache, podman's event
 * stream keeps it current (one targeted list per changed container), and a full relist
 * replaces it on start, after every reconnect of the stream, periodically and on demand.
 * While the stream is down the cache is "not synced" and observe must refuse to answer.
 * The parts: event tables and relay (event-table.ts, event-relay.ts), the store (cache.ts),
 * the lists (relist.ts, refresh-queue.ts, image-refresh.ts); this file holds the state.
 */
import { McpError } from '../../domain/errors.js';
import type { Observed, ObservedInstance } from '../../domain/observed.js';
import type { RuntimeEvent } from '../../ports/instance-runtime.js';
import { ContainerCache } from './cache.js';
import type { PodmanClient } from './client.js';
import { podmanMessage } from './errors.js';
import { EventRelay } from './event-relay.js';
import { type EventStream, openEventStream, type PodmanEvent } from './event-stream.js';
import { EMIT, PATCH, REFRESH } from './event-table.js';
import { ImageRefresh } from './image-refresh.js';
import type { Log } from './log.js';
import { RefreshQueue } from './refresh-queue.js';
import { type FullList, listAll } from './relist.js';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;

/** The observed-state cache of one podman socket. */
export class Informer {
  private readonly cache = new ContainerCache();
  private readonly events: EventRelay;
  private readonly images: ImageRefresh;
  private readonly refreshes: RefreshQueue;
  private stream?: EventStream;
  private connecting?: Promise<boolean>;
  private synced = false;
  /** Bumped by every teardown: a relist begun under an older connection is discarded. */
  private generation = 0;
  /** Set by a teardown, cleared by the sync that ends it, which then emits `resync`. */
  private recovering = false;
  private closed = false;
  /** Gives up a stream still opening when the runtime closes (a podman that never answers). */
  private readonly closing = new AbortController();
  private lastError = 'not connected yet';
  private backoffMs = BACKOFF_MIN_MS;
  private reconnectTimer?: NodeJS.Timeout;
  private relistTimer?: NodeJS.Timeout;
  private waiters: (() => void)[] = [];
  /**
   * Names this runtime is creating now, and the events podman reported meanwhile for ids it
   * did not know yet, by id: podman tells of a create before its answer names the id.
   */
  private readonly inCreation = new Map<string, Map<string, string[]>>();
  /** Full relists done and event-stream reconnects scheduled since start, for the metrics. */
  readonly counts = { relists: 0, reconnects: 0 };

  constructor(
    private readonly client: PodmanClient,
    private readonly opts: { relistIntervalMs: number; streamOpenTimeoutMs: number; log: Log },
  ) {
    this.events = new EventRelay(opts.log, (type, name, id) => this.cache.late(type, name, id));
    this.images = new ImageRefresh(client, this.cache, {
      isClosed: () => this.closed,
      failed: (err) => this.teardown(podmanMessage(err)),
    });
    this.refreshes = new RefreshQueue({
      cache: this.cache,
      client,
      isClosed: () => this.closed,
      settled: (id) => this.events.flush(id),
      failed: (err) => this.teardown(podmanMessage(err)),
    });
  }

  /** Connects and lists once (retrying in the background when podman is not there yet). */
  async start(): Promise<void> {
    this.relistTimer = setInterval(() => void this.periodicRelist(), this.opts.relistIntervalMs);
    this.relistTimer.unref();
    await this.connect();
  }

  isSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the cache is synced, false after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The cached view; RUNTIME_UNAVAILABLE rather than a view that may be missing things. */
  snapshot(names: readonly string[], refs: readonly string[]): Observed {
    if (!this.synced) {
      throw new McpError('RUNTIME_UNAVAILABLE', 'podman state is not synced: the event stream is down', {
        reason: this.lastError,
      });
    }
    return this.cache.snapshot(names, refs);
  }

  /** The cached image index, for ensureImage's zero-call fast path. */
  imageIndex(): Map<string, string> | undefined {
    return this.synced ? this.cache.images : undefined;
  }

  /** Records an image id learnt by a pull or inspect. */
  noteImage(ref: string, id: string): void {
    this.cache.noteImage(ref, id);
  }

  /** The cached state of container `id`, if known (start must unpause a paused one). */
  stateOf(id: string): ObservedInstance['state'] | undefined {
    return this.cache.containers.get(id)?.state;
  }

  /** The sequence point to pass to `local` after a write. */
  mark(): number {
    return this.cache.mark();
  }

  /**
   * Applies the known effect of a write to the cache at once, so the next observe sees it.
   * When events arrived during the write and already left the container in the state the
   * write produces, there is nothing to add; when they say otherwise (a kill right after our
   * start), the write is applied and a targeted list settles which came last.
   */
  local(id: string, since: number, next: (current?: ObservedInstance) => ObservedInstance | undefined): void {
    const current = this.cache.containers.get(id);
    if (current && this.cache.touchedSince(id, since) && next(current)?.state === current.state) return;
    if (this.cache.local(id, since, next)) this.refreshes.add(id);
  }

  /**
   * Call before asking podman to create a container named `name`: the events about an unknown
   * container of that name are held until the create's answer (`created`) or its failure
   * (`createFailed`), instead of costing a targeted list each (one per container of a converge,
   * each taking the lock of every container).
   */
  creating(name: string): void {
    this.inCreation.set(name, new Map());
  }

  /**
   * The create of `name` answered `id`: the cache learns `entry` (the write's known effect)
   * with the states the held events of `id` tell applied in order, and those events are
   * delivered. An event that says more than a state (a rename) gets the targeted list it
   * would have had; so do held events of another id of that name.
   */
  created(name: string, id: string, since: number, entry: ObservedInstance): void {
    const held = this.inCreation.get(name) ?? new Map<string, string[]>();
    this.inCreation.delete(name);
    for (const other of held.keys()) if (other !== id) this.refreshes.add(other);
    const actions = held.get(id) ?? [];
    // A list already found it (a relist meanwhile), or an event said more than a state.
    if (this.cache.containers.has(id) || !actions.every((a) => PATCH[a] !== undefined)) {
      this.local(id, since, () => entry);
      return;
    }
    let value = entry;
    for (const action of actions) {
      const state = PATCH[action];
      if (state) value = { ...value, state };
    }
    this.cache.touch(id);
    this.cache.containers.set(id, value);
    this.events.flush(id);
  }

  /** The create of `name` failed: what podman's events told meanwhile is listed as before. */
  createFailed(name: string): void {
    const held = this.inCreation.get(name);
    this.inCreation.delete(name);
    for (const id of held?.keys() ?? []) this.refreshes.add(id);
  }

  /** A full relist now; reconnects first when the stream is down. */
  async resync(): Promise<void> {
    if (!this.stream) {
      if (await this.connect()) return;
      throw new McpError('RUNTIME_UNAVAILABLE', `podman is unreachable: ${this.lastError}`);
    }
    let applied: boolean;
    try {
      applied = await this.relist(false);
    } catch (err) {
      this.teardown(podmanMessage(err));
      throw new McpError(
        'RUNTIME_UNAVAILABLE',
        `podman relist failed: ${podmanMessage(err)}`,
        {},
        { cause: err },
      );
    }
    // Discarded because the connection changed under it: ask the current one.
    if (!applied) await this.resync();
  }

  /** See EventRelay.ownStop: the die / stop / remove events of our own stop or remove are `own`. */
  ownStop(id: string, stopping: boolean): void {
    this.events.ownStop(id, stopping);
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.events.onEvent(listener);
  }

  close(): void {
    this.closed = true;
    this.closing.abort();
    this.synced = false;
    clearInterval(this.relistTimer);
    clearTimeout(this.reconnectTimer);
    this.stream?.close();
    this.stream = undefined;
    this.events.clear();
  }

  private connect(): Promise<boolean> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<boolean> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.closed) return false;
    try {
      this.stream?.close();
      this.stream = await openEventStream(
        this.client.events,
        this.opts.streamOpenTimeoutMs,
        (event) => this.onPodmanEvent(event),
        (reason) => this.onDrop(reason),
        this.closing.signal,
      );
      // A relist discarded here means the new stream already dropped, and the drop reconnects.
      if (!(await this.relist(true))) return false;
      this.backoffMs = BACKOFF_MIN_MS;
      return true;
    } catch (err) {
      this.teardown(podmanMessage(err));
      return false;
    }
  }

  private onDrop(reason: string): void {
    if (this.closed) return;
    this.opts.log('warn', 'podman event stream dropped', { reason });
    this.stream = undefined;
    this.teardown(reason);
  }

  /** Marks the cache unsynced, closes the stream and schedules a reconnect with backoff. */
  private teardown(reason: string): void {
    this.synced = false;
    this.generation += 1;
    this.recovering = true;
    this.lastError = reason;
    this.stream?.close();
    this.stream = undefined;
    if (this.closed || this.reconnectTimer) return;
    this.counts.reconnects++;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.opts.log('warn', 'podman unavailable, reconnecting', { reason, retryInMs: delay });
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  /**
   * Lists everything and replaces the cache. Returns false, having changed nothing, when the
   * connection it began under is gone by the time podman answers: a list from before a drop
   * may miss what happened while the stream was down, so only the next connection's relist
   * may mark the cache synced. Emits `resync` when the cache recovers from a failure (the
   * first sync at start-up is covered by the agent's own start-up pass) or when a relist on a
   * live stream finds something the events had not told.
   */
  private async relist(afterConnect: boolean): Promise<boolean> {
    const generation = this.generation;
    const current = () => generation === this.generation && this.stream !== undefined && !this.closed;
    const started = performance.now();
    const since = this.cache.mark();
    let listed: FullList;
    try {
      listed = await listAll(this.client);
    } catch (err) {
      if (current()) throw err;
      return false;
    }
    if (!current()) return false;
    const { containers, images } = listed;
    const result = this.cache.replace(since, containers, images);
    for (const id of result.stale) this.refreshes.add(id);
    if (result.imagesStale) void this.images.refresh();
    this.synced = true;
    this.counts.relists++;
    const recovered = this.recovering;
    this.recovering = false;
    for (const resolve of this.waiters.splice(0)) resolve();
    const ms = Math.round(performance.now() - started);
    this.opts.log('debug', 'podman relisted', {
      containers: containers.length,
      images: listed.imageCount,
      ms,
    });
    if (recovered || (!afterConnect && result.changed)) {
      this.events.emit({ type: 'resync', name: '', id: '', managed: true, own: false });
    }
    return true;
  }

  private async periodicRelist(): Promise<void> {
    if (!this.synced || this.connecting) return;
    try {
      await this.relist(false);
    } catch (err) {
      this.teardown(podmanMessage(err));
    }
  }

  private onPodmanEvent(event: PodmanEvent): void {
    if (event.type === 'image') {
      this.cache.touch();
      void this.images.refresh();
      return;
    }
    if (event.type !== 'container' || !event.id || !REFRESH.has(event.action)) return;
    const cached = this.cache.containers.get(event.id);
    const patch = PATCH[event.action];
    // An event that changes no observed field of a known container (init, kill, stop) makes
    // neither a write's guess nor a relist's answer older: only the others count as touches.
    if (!(cached && patch === null)) this.cache.touch(event.id);
    const type = EMIT[event.action];
    if (type) this.events.queue(event, type);
    if (type !== 'remove' && cached && patch !== undefined) {
      if (patch) this.cache.containers.set(event.id, { ...cached, state: patch });
      if (!this.refreshes.has(event.id)) this.events.flush(event.id);
      return;
    }
    const held = cached ? undefined : this.inCreation.get(event.name);
    if (held && !this.refreshes.has(event.id)) {
      held.set(event.id, [...(held.get(event.id) ?? []), event.action]);
      return;
    }
    if (type !== 'remove') {
      this.refreshes.add(event.id);
      return;
    }
    this.cache.gone(event.id);
    if (!this.refreshes.has(event.id)) this.events.flush(event.id);
  }
}

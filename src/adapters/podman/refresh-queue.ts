/**
 * Batched targeted refresh for the informer: containers that events (or racing writes) say
 * have changed are listed again, by id, in as few podman calls as a converge allows.
 */
import type { ContainerCache } from './cache.js';
import { deadline, type PodmanClient, TIMEOUT_MS } from './client.js';
import { listContainers } from './list.js';
import { toInstance } from './translate.js';

/** How long changed ids gather before one targeted list refreshes them all. */
const REFRESH_BATCH_MS = 50;

/** What the queue needs from its informer. */
export interface RefreshHooks {
  cache: ContainerCache;
  client: PodmanClient;
  isClosed(): boolean;
  /** Podman's view of `id` is in the cache, or the attempt was abandoned: its pending events can go. */
  settled(id: string): void;
  /** A targeted list failed: the informer's cache can no longer be trusted. */
  failed(err: unknown): void;
}

/**
 * Queues targeted lists of containers. Ids queued together are listed in one call, at most
 * one call in flight, after a short pause that lets a burst of events (create, init, start,
 * ...) gather: during a converge this keeps the refresh load on podman to a few calls a second
 * instead of several per container. An answer older than an event or write it missed is never
 * applied: that id is queued again. Every queued id is settled exactly once per queuing, even
 * when the list fails, so no pending event is held back for ever.
 */
export class RefreshQueue {
  /** Container ids waiting for a targeted list. */
  private readonly dirty = new Set<string>();
  private running?: Promise<void>;

  constructor(private readonly hooks: RefreshHooks) {}

  /** Queues a targeted list of `id`. */
  add(id: string): void {
    this.dirty.add(id);
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** True while `id` waits for a list that has not been issued yet. */
  has(id: string): boolean {
    return this.dirty.has(id);
  }

  private async loop(): Promise<void> {
    const { cache, client } = this.hooks;
    let ids: string[] = [];
    try {
      while (this.dirty.size > 0 && !this.hooks.isClosed()) {
        await new Promise((resolve) => setTimeout(resolve, REFRESH_BATCH_MS));
        ids = [...this.dirty];
        this.dirty.clear();
        const issued = cache.mark();
        const found = await listContainers(client, deadline(TIMEOUT_MS.list), ids);
        if (this.hooks.isClosed()) return;
        const byId = new Map(found.map((c) => [c.Id, c]));
        for (const id of ids) {
          if (cache.touchedSince(id, issued)) {
            this.dirty.add(id);
            continue;
          }
          const entry = byId.get(id);
          if (entry) cache.containers.set(id, toInstance(entry));
          else cache.gone(id);
          this.hooks.settled(id);
        }
        ids = [];
      }
    } catch (err) {
      this.hooks.failed(err);
      for (const id of new Set([...ids, ...this.dirty])) this.hooks.settled(id);
      this.dirty.clear();
    }
  }
}

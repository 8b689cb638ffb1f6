/**
 * podman's container events as the port's RuntimeEvents: queued per container until the
 * cache entry they concern is settled (a listener that observes then sees what the event
 * says), marked `own` when they follow this runtime's own stop or remove, and delivered to
 * every listener, one failing listener not stopping the others.
 */
import { LABEL } from '../../domain/observed.js';
import type { RuntimeEvent } from '../../ports/instance-runtime.js';
import { podmanMessage } from './errors.js';
import type { PodmanEvent } from './event-stream.js';
import type { Log } from './log.js';

/** How long the mark of an own stop or remove is kept (late events of a removed container). */
const OWN_KEPT_MS = 10 * 60_000;

export class EventRelay {
  private readonly listeners = new Set<(event: RuntimeEvent) => void>();
  private readonly pending = new Map<string, RuntimeEvent[]>();
  /**
   * Containers this runtime itself stopped or removed, and when it asked (ms since the epoch):
   * their die / stop / remove events are `own`.
   */
  private readonly own = new Map<string, number>();

  /**
   * `late(type, name, id)`: whether the event comes too late to tell of an instance that runs
   * (ContainerCache.late: podman's late `died` or `remove` of a container removed and maybe
   * made again under its name). Such an event is delivered marked `stale`.
   */
  constructor(
    private readonly log: Log,
    private readonly late: (type: string, name: string, id: string) => boolean = () => false,
  ) {}

  /**
   * Marks `id` as stopped or removed by this runtime (call before asking podman): its die,
   * stop and remove events are then the agent's own. A start by this runtime clears the mark.
   */
  ownStop(id: string, stopping: boolean): void {
    const now = Date.now();
    // A removed container's id never comes back: its mark stays while late events may still come.
    for (const [known, at] of this.own) if (now - at > OWN_KEPT_MS) this.own.delete(known);
    if (stopping) this.own.set(id, now);
    else this.own.delete(id);
  }

  /** Queues the event `type` of a podman container event, to be delivered by `flush(id)`. */
  queue(event: PodmanEvent, type: RuntimeEvent['type']): void {
    const managed = event.attributes[LABEL.managed] === 'true';
    const own = this.own.has(event.id) && (type === 'die' || type === 'stop' || type === 'remove');
    // A start after the agent asked for the stop (podman's restart policy may restart what the
    // stop found already dead) ends the mark: the next death is not the agent's doing.
    const asked = this.own.get(event.id);
    // The mark outlives the remove: under load podman's `died` can come after the `remove`.
    if (type === 'start' && asked !== undefined && event.timeMs > asked) this.own.delete(event.id);
    const queued = this.pending.get(event.id) ?? [];
    const hash = event.attributes[LABEL.specHash];
    const node = event.attributes[LABEL.node];
    const record = {
      type,
      name: event.name,
      id: event.id,
      managed,
      own,
      ...(hash ? { hash } : {}),
      ...(node ? { node } : {}),
    };
    this.pending.set(event.id, [...queued, record]);
  }

  /** Delivers the events queued for container `id`, in order. */
  flush(id: string): void {
    const events = this.pending.get(id) ?? [];
    this.pending.delete(id);
    for (const event of events)
      this.emit(this.late(event.type, event.name, event.id) ? { ...event, stale: true } : event);
  }

  emit(event: RuntimeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log('error', 'runtime event listener failed', { error: podmanMessage(err), event });
      }
    }
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/**
 * The informer's store: containers by id and the local image index, with the bookkeeping
 * that keeps a relist from overwriting what an event told us after the relist began.
 */
import { LABEL, type Observed, type ObservedInstance } from '../../domain/observed.js';
import { lookupImage } from './translate.js';

/** How long the store remembers a container it held after it went (late removals of it are news). */
const DEPARTED_KEPT_MS = 10 * 60_000;

/** Last-known containers and images; `seq` orders events against relists. */
export class ContainerCache {
  containers = new Map<string, ObservedInstance>();
  images = new Map<string, string>();
  private seq = 0;
  private readonly touched = new Map<string, number>();
  /** When a container was last known to be gone: a relist from before that must not bring it back. */
  private readonly removed = new Map<string, number>();
  /**
   * Containers the store held until they went, and when (ms since the epoch): podman's removal
   * of any other container is no news (the store never showed it), however late it comes.
   */
  private readonly departed = new Map<string, number>();
  private imagesTouched = 0;

  /** Records that an event changed container `id` (or the images); returns the sequence point. */
  touch(id?: string): number {
    this.seq += 1;
    if (id) this.touched.set(id, this.seq);
    else this.imagesTouched = this.seq;
    return this.seq;
  }

  /** Images a pull or inspect told us of, with when: a list from before must not undo them. */
  private readonly noted = new Map<string, { id: string; seq: number }>();

  /** Records `ref` -> `id`, learnt by a pull or inspect (read-your-writes for images). */
  noteImage(ref: string, id: string): void {
    this.seq += 1;
    this.noted.set(ref, { id, seq: this.seq });
    this.images.set(ref, id);
  }

  /**
   * Takes an image list begun at sequence point `since`; the references noted after it keep
   * what was noted (the list may predate the pull), and a later image event lists again.
   */
  replaceImages(since: number, images: Map<string, string>): void {
    for (const [ref, note] of this.noted) {
      if (note.seq > since) images.set(ref, note.id);
      else this.noted.delete(ref);
    }
    this.images = images;
  }

  /** The current sequence point: take it before a relist or a write starts. */
  mark(): number {
    return this.seq;
  }

  /** True when an event or a write touched container `id` after sequence point `since`. */
  touchedSince(id: string, since: number): boolean {
    return (this.touched.get(id) ?? 0) > since;
  }

  /**
   * Read-your-writes: records what a write just did to container `id` (`next` undefined
   * means gone). Returns true when events about it arrived during the write: podman's view
   * must then be fetched again, as the write's guess may be older than what they reported.
   */
  local(
    id: string,
    since: number,
    next: (current?: ObservedInstance) => ObservedInstance | undefined,
  ): boolean {
    const raced = this.touchedSince(id, since);
    this.touch(id);
    const value = next(this.containers.get(id));
    if (value) this.containers.set(id, value);
    else this.gone(id);
    return raced;
  }

  /** Container `id` no longer exists (an event, a write or a targeted list said so). */
  gone(id: string): void {
    const now = Date.now();
    for (const [known, at] of this.departed) if (now - at > DEPARTED_KEPT_MS) this.departed.delete(known);
    if (this.containers.delete(id)) this.departed.set(id, now);
    this.removed.set(id, this.seq);
  }

  /**
   * Replaces the store by a relist that started at `since`. Containers touched by events
   * after `since` keep their event-driven value (or, when an event told of them but no refresh
   * has yet, the relist's: only a removal after `since` drops them); their ids are returned so
   * they can be refreshed again. Also says whether the images changed after `since` and whether the
   * relist found anything the events had not told us.
   */
  replace(
    since: number,
    containers: ObservedInstance[],
    images: Map<string, string>,
  ): { stale: string[]; imagesStale: boolean; changed: boolean } {
    const next = new Map(containers.map((c) => [c.id, c]));
    const stale: string[] = [];
    for (const [id, at] of this.removed) if (at <= since) this.removed.delete(id);
    for (const [id, at] of this.touched) {
      if (at <= since) {
        this.touched.delete(id);
        continue;
      }
      stale.push(id);
      const current = this.containers.get(id);
      if (current) next.set(id, current);
      else if (this.removed.has(id)) next.delete(id);
    }
    const changed = !sameContainers(this.containers, next);
    this.containers = next;
    const imagesStale = this.imagesTouched > since;
    if (!imagesStale) this.replaceImages(since, images);
    return { stale, imagesStale, changed };
  }

  /**
   * Whether event `type` of container `id`, delivered now, comes too late to tell of an
   * instance that runs. A death: once the container is gone or another holds `name`. A
   * removal: of a container the store never held (no news), or once another container the
   * agent manages holds `name` (it was made again already); a removal that leaves the name
   * free, or held by a hand-made container, is drift. A scan, asked only on a death or a removal.
   */
  late(type: string, name: string, id: string): boolean {
    if (type !== 'die' && type !== 'remove') return false;
    if (!this.containers.has(id) && (type === 'die' || !this.departed.has(id))) return true;
    for (const [other, c] of this.containers)
      if (c.name === name && other !== id && (type === 'die' || c.labels[LABEL.managed] === 'true'))
        return true;
    return false;
  }

  /** Every managed container and every container named in `names`, plus the ids of `refs`. */
  snapshot(names: readonly string[], refs: readonly string[]): Observed {
    const wanted = new Set(names);
    const instances = [...this.containers.values()]
      .filter((c) => c.labels[LABEL.managed] === 'true' || wanted.has(c.name))
      .map((c) => ({ ...c, labels: { ...c.labels } }));
    const images: Record<string, string> = {};
    for (const ref of refs) {
      const id = lookupImage(this.images, ref);
      if (id) images[ref] = id;
    }
    return { instances, images };
  }
}

const sameContainers = (a: Map<string, ObservedInstance>, b: Map<string, ObservedInstance>): boolean => {
  if (a.size !== b.size) return false;
  for (const [id, c] of b) {
    const old = a.get(id);
    if (!old || !sameInstance(old, c)) return false;
  }
  return true;
};

/** Every field but the labels: the type makes a field added to ObservedInstance compared too. */
const FIELDS: Record<Exclude<keyof ObservedInstance, 'labels'>, true> = {
  id: true,
  name: true,
  kind: true,
  state: true,
  image: true,
  imageId: true,
  address: true,
};
const SCALARS = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

/** Field by field: a relist compares every container, and serialising each twice cost more than the list. */
const sameInstance = (a: ObservedInstance, b: ObservedInstance): boolean =>
  SCALARS.every((k) => a[k] === b[k]) && sameLabels(a.labels, b.labels);

const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
};

/**
 * Keeps the cache's image index current after image events: one list at a time, and one more
 * after it when events arrived meanwhile, so a burst of pulls costs two lists, not one each.
 */
import type { ContainerCache } from './cache.js';
import { deadline, type PodmanClient, TIMEOUT_MS } from './client.js';
import { indexImages } from './translate.js';

export class ImageRefresh {
  private busy = false;
  private dirty = false;

  constructor(
    private readonly client: PodmanClient,
    private readonly cache: ContainerCache,
    private readonly hooks: { isClosed: () => boolean; failed: (err: unknown) => void },
  ) {}

  /** Relists images (now, or once the running list is done); a failure goes to `failed`. */
  async refresh(): Promise<void> {
    if (this.busy) {
      this.dirty = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.dirty = false;
        const since = this.cache.mark();
        const images = await this.client.api.listImages({ abortSignal: deadline(TIMEOUT_MS.list) });
        this.cache.replaceImages(since, indexImages(images));
      } while (this.dirty && !this.hooks.isClosed());
    } catch (err) {
      this.hooks.failed(err);
    } finally {
      this.busy = false;
    }
  }
}

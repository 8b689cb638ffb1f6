/**
 * The digest check of `pull = "newer"` images, on its own timer and never inside a pass: for
 * each image of this node's active `newer` components in the applied revision, the registry is
 * asked for the tag's digest (one HEAD request, 4 images at a time); when it is not among the
 * digests of the local image the tag names, the runtime pulls the tag (what `podman
 * auto-update` does). A moved tag is an `image-updated` event with the old and new digests,
 * then a pass, which recreates the components through the health gate (the new image id is
 * part of their spec hash). A registry that cannot be asked is an
 * `image-check-failed` event (again only when the reason changes) and a warning each round;
 * the next round retries. Nothing that runs is stopped or removed by a check.
 */
import { asMcpError, type McpError } from '../domain/errors.js';
import { nodeView } from '../domain/node-view.js';
import { followedImages, followsTag } from '../domain/pin-images.js';
import type { Logger } from '../log.js';
import type { ImageRegistry } from '../ports/image-registry.js';
import type { InstanceRuntime } from '../ports/instance-runtime.js';
import type { StateStore } from '../ports/state-store.js';
import { forEachLimited } from './retry.js';

/** Images asked at once in a round. */
const CONCURRENCY = 4;

/** What one check round found, per image. */
export interface CheckRound {
  checked: number;
  updated: { image: string; from: string[]; to: string[] }[];
  failed: { image: string; error: string }[];
  durationMs: number;
}

export interface ImageCheckDeps {
  node: string;
  store: StateStore;
  runtime?: InstanceRuntime;
  /** Asked for each tag's digest; without one nothing is checked. */
  registry?: ImageRegistry;
  log: Logger;
  /** Asks for a pass (the scheduler's trigger). */
  trigger: (reason: string) => unknown;
}

const short = (digests: readonly string[]): string =>
  digests.length === 0 ? '(unknown)' : digests.map((d) => d.replace(/^sha256:/, '').slice(0, 12)).join(',');

/** Runs check rounds every `intervalMs` and on request; one round at a time (a request meanwhile joins it). */
export class ImageChecker {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<CheckRound> | undefined;
  private readonly failing = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly deps: ImageCheckDeps,
    private readonly intervalMs: number,
  ) {}

  /** Starts the timer; the first round runs one interval from now (the first pass pulls what is missing). */
  start(): void {
    this.schedule();
  }

  /** One round now, or the one already running. */
  check(): Promise<CheckRound> {
    this.round ??= this.run().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private services() {
    return this.deps.store.applied()?.services ?? this.deps.store.lastGood()?.services ?? [];
  }

  private images(): readonly string[] {
    return followedImages(this.services(), this.deps.node);
  }

  private instancesOf(ref: string): string[] {
    const { active } = nodeView(this.services(), this.deps.node);
    return [...active].filter(([, c]) => followsTag(c) && c.image === ref).map(([name]) => name);
  }

  private async run(): Promise<CheckRound> {
    const started = performance.now();
    const result: CheckRound = { checked: 0, updated: [], failed: [], durationMs: 0 };
    const { runtime, registry } = this.deps;
    const refs = this.images();
    if (!runtime?.pullImage || !registry || refs.length === 0) return result;
    // A few at a time: a registry that hangs costs a round one timeout per batch, not per image.
    // A registry that cannot be reached is not asked again this round, for its other images.
    const down = new Map<string, McpError>();
    await forEachLimited(refs, CONCURRENCY, async (ref) => {
      if (this.closed) return;
      result.checked += 1;
      try {
        const before = (await runtime.observe([], [ref])).images[ref];
        const where = registry.registryOf(ref);
        const known = down.get(where);
        if (known) throw known;
        const remote = await registry.digest(ref).catch((err: unknown) => {
          if (asMcpError(err).data?.unreachable === true) down.set(where, asMcpError(err));
          throw err;
        });
        this.recovered(ref);
        const from = before ? ((await runtime.imageDigests?.(ref, before, true)) ?? []) : [];
        if (from.includes(remote)) return;
        const after = await runtime.pullImage!(ref, 'always');
        // A new manifest of the same image (pushed again) moves nothing that runs.
        if (after === before) return;
        result.updated.push({ image: ref, from, to: [remote] });
        this.updated(ref, before, after, from, [remote]);
      } catch (err) {
        const error = asMcpError(err);
        const reason = String(error.data?.reason ?? error.message);
        result.failed.push({ image: ref, error: reason });
        this.failed(ref, error.code, reason);
      }
    });
    result.durationMs = performance.now() - started;
    this.deps.log.debug('image check round', { ...result, updated: result.updated.length });
    return result;
  }

  /** One `image-updated` event per instance that follows the tag, so `mcp status SERVICE` lists it. */
  private updated(
    ref: string,
    before: string | undefined,
    after: string,
    from: string[],
    to: string[],
  ): void {
    const at = new Date().toISOString();
    const data = { image: ref, from, to, fromId: before ?? null, toId: after };
    const message = `${ref}: digest ${short(from)} -> ${short(to)}`;
    const names = this.instancesOf(ref);
    for (const name of names.length ? names : [undefined])
      this.deps.store.addEvent({ at, kind: 'image-updated', ...(name ? { name } : {}), message, data });
    this.deps.log.info('newer image pulled', { image: ref, from, to });
    this.deps.trigger(`image ${ref} updated`);
  }

  private failed(ref: string, code: string, reason: string): void {
    this.deps.log.warn('image check failed; retried next round', { image: ref, code, reason });
    if (this.failing.get(ref) === reason) return;
    this.failing.set(ref, reason);
    this.deps.store.addEvent({
      at: new Date().toISOString(),
      kind: 'image-check-failed',
      message: `${ref}: registry not asked (${reason}); what runs is kept, retried every check`,
      data: { image: ref, code, reason },
    });
  }

  private recovered(ref: string): void {
    if (!this.failing.delete(ref)) return;
    this.deps.store.addEvent({
      at: new Date().toISOString(),
      kind: 'image-check-recovered',
      message: `${ref}: registry answers again`,
      data: { image: ref },
    });
  }
}

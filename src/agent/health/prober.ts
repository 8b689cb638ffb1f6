/**
 * Runs every probe of the health board on its own timer, never inside a pass: each instance
 * on its `interval`, at most `concurrency` probes in flight, the next wake-up at the earliest
 * due probe. http and tcp run from the host; cmd asks the runtime to run the instance's own
 * healthcheck (podman records the result, so `podman ps` agrees).
 */
import { asMcpError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { InstanceRuntime } from '../../ports/instance-runtime.js';
import type { HealthBoard, ProbeTarget } from './board.js';
import { probeHttp, probeTcp } from './probe.js';

export interface ProberOptions {
  /** Probes in flight at most; default 16. */
  concurrency?: number;
  /** The first probe of a new instance comes this soon (ms); default 1000 or its interval if shorter. */
  firstDelayMs?: number;
}

export class Prober {
  private readonly due = new Map<string, number>();
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly concurrency: number;

  constructor(
    private readonly board: HealthBoard,
    private readonly runtimes: { container?: InstanceRuntime; unikernel?: InstanceRuntime },
    private readonly log: Logger,
    private readonly opts: ProberOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 16;
  }

  /** Looks at the board's targets again (call after each pass) and probes what is due. */
  refresh(): void {
    if (this.closed) return;
    const targets = this.board.targets();
    const keys = new Set(targets.map((t) => `${t.name}@${t.hash}`));
    for (const key of [...this.due.keys()]) if (!keys.has(key)) this.due.delete(key);
    const now = Date.now();
    for (const t of targets) {
      const key = `${t.name}@${t.hash}`;
      if (this.due.has(key)) continue;
      const first = this.opts.firstDelayMs ?? Math.min(1000, t.spec.health!.interval * 1000);
      this.due.set(key, now + first);
    }
    this.tick();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private tick(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    const now = Date.now();
    const byKey = new Map(this.board.targets().map((t) => [`${t.name}@${t.hash}`, t]));
    let next = Number.POSITIVE_INFINITY;
    for (const [key, at] of this.due) {
      const target = byKey.get(key);
      if (!target) {
        this.due.delete(key);
        continue;
      }
      if (this.busy.has(key)) continue;
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      if (this.busy.size >= this.concurrency) {
        next = Math.min(next, now + 10);
        continue;
      }
      this.busy.add(key);
      void this.probe(target).finally(() => {
        this.busy.delete(key);
        if (this.due.has(key)) this.due.set(key, Date.now() + target.spec.health!.interval * 1000);
        this.tick();
      });
    }
    if (next !== Number.POSITIVE_INFINITY) {
      this.timer = setTimeout(() => this.tick(), Math.max(0, next - now));
      this.timer.unref();
    }
  }

  private async probe(t: ProbeTarget): Promise<void> {
    const health = t.spec.health!;
    const timeoutMs = health.timeout * 1000;
    const probe = health.probe;
    if (probe.kind === 'cmd') {
      const runtime = this.runtimes[t.spec.kind];
      if (!runtime?.healthcheck) return;
      try {
        const outcome = await runtime.healthcheck(t.name, timeoutMs + 5000);
        this.board.reportState(t.name, t.hash, outcome.state, outcome.error);
      } catch (err) {
        // The runtime is unreachable: nothing was learnt about the instance.
        this.log.warn('healthcheck failed', { name: t.name, error: asMcpError(err).message });
      }
      return;
    }
    if (!t.address) {
      this.board.report(t.name, t.hash, `port ${probe.port} is not published`);
      return;
    }
    const { host, port } = t.address;
    const error =
      probe.kind === 'http'
        ? await probeHttp(host, port, probe.path, timeoutMs)
        : await probeTcp(host, port, timeoutMs);
    this.board.report(t.name, t.hash, error);
  }
}

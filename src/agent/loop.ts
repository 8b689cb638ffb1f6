/**
 * The agent's reconcile loop without its API or file watch: the scheduler, the health board
 * and its prober, and the runtime events that feed them. The daemon runs it; integration tests
 * run it on real podman just as the daemon does.
 */
import { asMcpError } from '../domain/errors.js';
import { settled } from '../domain/pass.js';
import type { Logger } from '../log.js';
import type { ImageRegistry } from '../ports/image-registry.js';
import type { ApplyOptions } from './apply.js';
import { HealthBoard, Prober, type ProberOptions } from './health/index.js';
import { ImageChecker } from './image-check.js';
import { isOwnEvent } from './own-names.js';
import { type PassDeps, type PassReport, reconcileOnce } from './reconcile.js';
import { healthSignalOf, passReasonOf } from './runtime-trigger.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { passLine } from './summary.js';

export interface Loop {
  scheduler: Scheduler;
  board: HealthBoard;
  /** The digest check of `pull = "newer"` images, on its own timer. */
  images: ImageChecker;
  /** Stops timers, probes and the scheduler (waits for a running pass). */
  stop(): Promise<void>;
}

export interface LoopOptions {
  /** Seconds between passes on the interval. */
  interval: number;
  /** Debounce of triggers in ms; default 100. */
  debounceMs?: number;
  prober?: ProberOptions;
  /** How long an instance without a probe runs before its spec counts as healthy; default 10 s. */
  steadyMs?: number;
  /** Seconds between digest checks of `pull = "newer"` images; default 300. */
  imageCheckInterval?: number;
  /** Asked for the tags' digests; without one the digest check does nothing. */
  imageRegistry?: ImageRegistry;
  /** Told of every finished pass and why it ran (tests wait on it). */
  onPass?: (report: PassReport, reasons: string[]) => void;
  /** Told of a pass that crashed (after it is logged). */
  onError?: (err: unknown) => void;
}

/** Starts the loop (the first pass is the caller's `scheduler.trigger('start')`). */
export const startLoop = (deps: PassDeps, options: ApplyOptions, log: Logger, opts: LoopOptions): Loop => {
  const board = new HealthBoard(deps.store, Date.now, opts.steadyMs);
  const prober = new Prober(board, deps.runtimes, log, opts.prober);
  const scheduler: Scheduler = createScheduler(
    async (reasons) => {
      const report = await reconcileOnce({ ...deps, health: board }, options);
      prober.refresh();
      log.info(passLine(report.status, opts.interval), { reasons: [...new Set(reasons)], ...report.status });
      opts.onPass?.(report, reasons);
      if (report.requeue) void scheduler.trigger('rollback');
    },
    {
      intervalMs: opts.interval * 1000,
      debounceMs: opts.debounceMs ?? 100,
      onError: (err) => {
        log.error('pass crashed', { error: asMcpError(err).toJSON() });
        opts.onError?.(err);
      },
    },
  );
  // Another node's instances on a shared runtime are none of this agent's business.
  const unsubscribe = [deps.runtimes.container, deps.runtimes.unikernel].flatMap((runtime) =>
    runtime
      ? [
          runtime.onEvent((e) => {
            // Ownership (a registry read) is asked only of the events that would act.
            const mine = () => isOwnEvent(deps.store, deps.node, e);
            const signal = healthSignalOf(e);
            if (signal && mine()) {
              if (signal === 'started') board.started(e.name);
              if (signal === 'died') return board.died(e.name, e.hash!);
            }
            const reason = passReasonOf(e, mine);
            if (reason) void scheduler.trigger(reason);
          }),
        ]
      : [],
  );
  board.onWake((reason) => void scheduler.trigger(reason));
  const images = new ImageChecker(
    {
      node: deps.node,
      store: deps.store,
      runtime: deps.runtimes.container,
      ...(opts.imageRegistry ? { registry: opts.imageRegistry } : {}),
      log,
      trigger: (reason) => void scheduler.trigger(reason),
    },
    (opts.imageCheckInterval ?? 300) * 1000,
  );
  images.start();
  return {
    scheduler,
    board,
    images,
    async stop() {
      images.close();
      for (const off of unsubscribe) off();
      // A pass in flight still hands its instances to the board and refreshes the prober:
      // they close after it, or its timers would outlive the stop (and the registry they write).
      await scheduler.stop();
      prober.close();
      board.close();
    },
  };
};

/**
 * `mcp-agent reconcile --once`: passes until health has settled, then the last pass's report.
 * A pass alone cannot tell "converged": probed instances need probes, dependents wait for
 * their dependencies' health, a rollout is judged when its start_timeout runs out, a crash
 * loop when its back-off ends. So the loop runs, as the daemon's does, until a pass leaves
 * nothing to wait for (no requeue, no start_timeout or back-off running).
 */
export const settle = (deps: PassDeps, options: ApplyOptions, log: Logger): Promise<PassReport> =>
  new Promise<PassReport>((resolve, reject) => {
    const finish = (end: () => void) => void loop.stop().then(end, reject);
    const loop = startLoop(deps, options, log, {
      interval: 24 * 3600,
      // Nothing to gather: the first pass starts at once (a debounce cost the one-shot 100 ms).
      debounceMs: 0,
      onPass: (report) => {
        if (!report.requeue && !loop.board.pending() && settled(report.status)) finish(() => resolve(report));
      },
      onError: (err) => finish(() => reject(err)),
    });
    void loop.scheduler.trigger('once');
  });

/**
 * The agent's reconcile loop without its API or file watch: the scheduler, the health board
 * and its prober, and the runtime events that feed them. The daemon runs it; integration tests
 * run it on real podman just as the daemon does.
 */
import { asMcpError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { ApplyOptions } from './apply.js';
import { HealthBoard } from './health-board.js';
import { Prober, type ProberOptions } from './prober.js';
import { type PassDeps, type PassReport, reconcileOnce } from './reconcile.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { passLine } from './summary.js';

export interface Loop {
  scheduler: Scheduler;
  board: HealthBoard;
  /** Stops timers, probes and the scheduler (waits for a running pass). */
  stop(): Promise<void>;
}

export interface LoopOptions {
  /** Seconds between passes on the interval. */
  interval: number;
  /** Debounce of triggers in ms; default 100. */
  debounceMs?: number;
  prober?: ProberOptions;
  /** Told of every finished pass (tests wait on it). */
  onPass?: (report: PassReport) => void;
}

/** Starts the loop (the first pass is the caller's `scheduler.trigger('start')`). */
export const startLoop = (deps: PassDeps, options: ApplyOptions, log: Logger, opts: LoopOptions): Loop => {
  const board = new HealthBoard(deps.store);
  const prober = new Prober(board, deps.runtimes, log, opts.prober);
  const scheduler: Scheduler = createScheduler(
    async (reasons) => {
      const report = await reconcileOnce({ ...deps, health: board }, options);
      prober.refresh();
      log.info(passLine(report.status, opts.interval), { reasons: [...new Set(reasons)], ...report.status });
      opts.onPass?.(report);
      if (report.requeue) void scheduler.trigger('rollback');
    },
    {
      intervalMs: opts.interval * 1000,
      debounceMs: opts.debounceMs ?? 100,
      onError: (err) => log.error('pass crashed', { error: asMcpError(err).toJSON() }),
    },
  );
  const unsubscribe = [deps.runtimes.container, deps.runtimes.unikernel].flatMap((runtime) =>
    runtime
      ? [
          runtime.onEvent((e) => {
            if (!e.managed || e.own) return;
            if (e.type === 'start') board.started(e.name);
            // A death counts towards a crash loop; the board wakes a pass when its back-off ends,
            // so an instance that podman restarts at once does not make the agent spin. The
            // agent's own stops and removes were planned by the pass that made them: no pass.
            if (e.type === 'die' && e.hash) board.died(e.name, e.hash);
            else if (e.type === 'die' || e.type === 'remove' || e.type === 'resync')
              void scheduler.trigger(`runtime ${e.type} ${e.name}`);
          }),
        ]
      : [],
  );
  board.onWake((reason) => void scheduler.trigger(reason));
  return {
    scheduler,
    board,
    async stop() {
      for (const off of unsubscribe) off();
      prober.close();
      board.close();
      await scheduler.stop();
    },
  };
};

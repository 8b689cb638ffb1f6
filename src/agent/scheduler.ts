/**
 * Coalesces reconcile triggers (interval, runtime events, webhook, file watch): one pass at a
 * time, and any number of triggers during a pass cause exactly one more pass after it.
 */

export interface Scheduler {
  /** Asks for a pass; resolves when a pass that started after this call has finished. */
  trigger(reason: string): Promise<void>;
  /** Stops the interval and waits for a running pass. */
  stop(): Promise<void>;
  /** When the next periodic pass is due (ISO time); undefined once stopped. */
  nextAt(): string | undefined;
}

export const createScheduler = (
  pass: (reasons: string[]) => Promise<void>,
  opts: { intervalMs: number; debounceMs?: number; onError: (err: unknown) => void },
): Scheduler => {
  let running: Promise<void> | undefined;
  let pending: string[] = [];
  let waiters: (() => void)[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let due: number | undefined;

  const arm = (): void => {
    clearTimeout(timer);
    due = stopped ? undefined : Date.now() + opts.intervalMs;
    if (!stopped) timer = setTimeout(() => void trigger('interval'), opts.intervalMs);
  };

  const loop = async (): Promise<void> => {
    while (pending.length && !stopped) {
      if (opts.debounceMs) await new Promise((r) => setTimeout(r, opts.debounceMs));
      if (stopped) break;
      const reasons = pending;
      const done = waiters;
      pending = [];
      waiters = [];
      try {
        await pass(reasons);
      } catch (err) {
        opts.onError(err);
      } finally {
        for (const w of done) w();
        arm();
      }
    }
    running = undefined;
  };

  const trigger = (reason: string): Promise<void> => {
    if (stopped) return Promise.resolve();
    const done = new Promise<void>((resolve) => waiters.push(resolve));
    pending.push(reason);
    running ??= loop();
    return done;
  };

  arm();
  return {
    trigger,
    nextAt: () => (due === undefined || stopped ? undefined : new Date(due).toISOString()),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const w of waiters) w();
      await running;
    },
  };
};

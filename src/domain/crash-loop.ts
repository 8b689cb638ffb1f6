/**
 * Crash-loop accounting, pure: the deaths of an instance within a window decide how long the
 * agent waits before it starts the instance again (exponential back-off) and when it gives up
 * (`crash-looping`: left stopped until its spec changes or an operator asks for a retry).
 */

/** 5 restarts in 10 minutes make a crash loop; back-off doubles from 1 s up to 5 min. */
export const CRASH_LOOP = {
  restarts: 5,
  windowMs: 10 * 60_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 5 * 60_000,
} as const;

/** What the agent remembers of one instance's deaths, for the spec hash it died with. */
export interface DeathRecord {
  hash: string;
  /** Death times within the window, oldest first, ms since the epoch. */
  deaths: number[];
  /** Set once the instance reached the limit; cleared only by a new spec or a retry. */
  loopingSince?: number;
}

/** The record after a death at `now` of the instance running spec `hash`. */
export function noteDeath(record: DeathRecord | undefined, hash: string, now: number): DeathRecord {
  const kept =
    record && record.hash === hash ? record.deaths.filter((t) => now - t < CRASH_LOOP.windowMs) : [];
  const deaths = [...kept, now];
  const looping = record?.hash === hash ? record.loopingSince : undefined;
  return {
    hash,
    deaths,
    ...(looping !== undefined || deaths.length >= CRASH_LOOP.restarts
      ? { loopingSince: looping ?? now }
      : {}),
  };
}

/** How long after its last death the instance is started again: 1 s, 2 s, 4 s, ... */
export const backoffMs = (deaths: number): number =>
  Math.min(CRASH_LOOP.backoffMinMs * 2 ** Math.max(0, deaths - 1), CRASH_LOOP.backoffMaxMs);

/** What a pass may do with an instance that has died. */
export type RestartGate =
  | { kind: 'go' }
  | { kind: 'wait'; untilMs: number; reason: string }
  | { kind: 'looping'; reason: string };

/** The gate at `now` for an instance that should run spec `hash`. A new spec starts afresh. */
export function restartGate(record: DeathRecord | undefined, hash: string, now: number): RestartGate {
  if (!record || record.hash !== hash || record.deaths.length === 0) return { kind: 'go' };
  if (record.loopingSince !== undefined)
    return {
      kind: 'looping',
      reason: `crash-looping: ${record.deaths.length} restarts in ${CRASH_LOOP.windowMs / 60_000} min; left stopped until its spec changes or a retry is asked`,
    };
  const last = record.deaths[record.deaths.length - 1];
  const until = last + backoffMs(record.deaths.length);
  if (until <= now) return { kind: 'go' };
  return {
    kind: 'wait',
    untilMs: until,
    reason: `back-off: died ${record.deaths.length}x, next start in ${Math.ceil((until - now) / 1000)} s`,
  };
}

/**
 * The agent's view of instance health, kept between passes: which instances have a probe
 * (told by each pass), the state of each (told by the prober, or reset when an instance
 * starts), crash-loop deaths, and timers for the moments a pass must look again (a
 * `start_timeout` running out, a back-off ending). An instance without a probe counts as
 * healthy for rollback once it has run `steadyMs` without dying (Nomad's `min_healthy_time`).
 * A pass reads it without any runtime call.
 * Every transition is recorded in the registry and as an event, and wakes the scheduler.
 */
import {
  backoffMs,
  type DeathRecord,
  noteDeath,
  type RestartGate,
  restartGate,
} from '../../domain/crash-loop.js';
import { canonicalJson } from '../../domain/hash.js';
import {
  freshRecord,
  type HealthRecord,
  type HealthState,
  nextRecord,
  type ProbeRecord,
} from '../../domain/health.js';
import type { HealthySpec } from '../../domain/rollback.js';
import type { ComponentSpec } from '../../domain/spec.js';
import type { StateStore } from '../../ports/state-store.js';

/** One probed instance, as the last pass desired it. */
export interface ProbeTarget {
  name: string;
  spec: ComponentSpec;
  hash: string;
  revision?: string;
  imageId?: string;
  /** The host address of an http or tcp probe; absent for cmd. */
  address?: { host: string; port: number };
}

interface Tracked {
  target: ProbeTarget;
  record: ProbeRecord;
  /** Healthy once since this start, unhealthy now: it needs a restart (counted as a death). */
  turned?: boolean;
}

/** Why the board wants a pass: a state changed, a start_timeout ran out, a back-off ended. */
export type Wake = (reason: string) => void;

/** How long an instance without a probe runs without dying before its spec is its last healthy one. */
export const STEADY_MS = 10_000;

/** An instance without a probe, as the last pass desired it: watched until it has run steadily. */
export type SteadyTarget = Omit<ProbeTarget, 'address'>;

export class HealthBoard {
  private readonly tracked = new Map<string, Tracked>();
  private readonly deaths: Map<string, DeathRecord>;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Running instances without a probe, until they have run `steadyMs`; their timers are not wakes. */
  private readonly steady = new Map<string, { target: SteadyTarget; timer?: NodeJS.Timeout }>();
  private wake: Wake = () => {};
  /** The states the registry recorded before this agent started: kept for instances still running that spec. */
  private readonly saved: Map<string, HealthRecord>;

  constructor(
    private readonly store: StateStore,
    private readonly now: () => number = Date.now,
    private readonly steadyMs = STEADY_MS,
  ) {
    this.saved = store.health();
    // A crash loop stays one across a restart of the agent: still left stopped, still reported.
    this.deaths = store.crashLoops();
  }

  /** Whom to tell when a pass should look again (the scheduler). */
  onWake(wake: Wake): void {
    this.wake = wake;
  }

  /** The health of `name`: `none` when it has no probe. */
  state(name: string): HealthState {
    return this.tracked.get(name)?.record.state ?? 'none';
  }

  /** True when `name` was healthy since its start and is unhealthy now: a restart is due. */
  turnedUnhealthy(name: string): boolean {
    return this.tracked.get(name)?.turned === true;
  }

  /** The tracked record of `name` (state, when this start began, last error), if probed. */
  record(name: string): (ProbeRecord & { hash: string }) | undefined {
    const t = this.tracked.get(name);
    return t && { ...t.record, hash: t.target.hash };
  }

  /** Every probed instance, for the prober. */
  targets(): ProbeTarget[] {
    return [...this.tracked.values()].map((t) => t.target);
  }

  /**
   * Told by each pass: the instances that now have a probe, and those it (re)created or
   * started (their state starts afresh). Instances no longer probed are forgotten.
   */
  track(targets: readonly ProbeTarget[], restarted: ReadonlySet<string>): void {
    const keep = new Set(targets.map((t) => t.name));
    for (const name of [...this.tracked.keys()]) {
      if (keep.has(name)) continue;
      this.tracked.delete(name);
      this.clearTimer(name);
      this.store.recordHealth(name, undefined);
    }
    for (const target of targets) {
      const known = this.tracked.get(target.name);
      if (known && known.target.hash === target.hash && !restarted.has(target.name)) {
        // Same instance; a new http or tcp probe (not in the hash) judges it afresh.
        const reprobe = canonicalJson(known.target.spec.health) !== canonicalJson(target.spec.health);
        known.target = target;
        if (reprobe) this.begin(target);
        continue;
      }
      const saved = this.saved.get(target.name);
      this.saved.delete(target.name);
      if (!known && saved?.hash === target.hash && !restarted.has(target.name)) this.resume(target, saved);
      else this.begin(target);
    }
  }

  /**
   * Told by each pass: the instances without a probe that run now, and those it (re)created or
   * started. One that runs `steadyMs` without dying has its spec recorded as the last healthy.
   */
  trackSteady(targets: readonly SteadyTarget[], restarted: ReadonlySet<string>): void {
    const keep = new Set(targets.map((t) => t.name));
    for (const [name, s] of this.steady) {
      if (keep.has(name)) continue;
      clearTimeout(s.timer);
      this.steady.delete(name);
    }
    // Read only when an instance is new to the board: a pass that changed nothing reads nothing.
    let recorded: Map<string, HealthySpec> | undefined;
    for (const target of targets) {
      const known = this.steady.get(target.name);
      if (known && known.target.hash === target.hash && !restarted.has(target.name)) continue;
      clearTimeout(known?.timer);
      recorded ??= this.store.lastHealthy();
      const done = recorded.get(target.name)?.hash === target.hash;
      this.steady.set(target.name, { target, ...(done ? {} : { timer: this.steadyTimer(target) }) });
    }
  }

  /** True while something will wake a pass by itself: a start_timeout or a back-off is running. */
  pending(): boolean {
    return this.timers.size > 0;
  }

  private steadyTimer(target: SteadyTarget): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const s = this.steady.get(target.name);
      if (s?.timer !== timer) return;
      delete s.timer;
      this.store.setLastHealthy(healthySpec(target));
    }, this.steadyMs);
    timer.unref();
    return timer;
  }

  /** Tracks an instance the registry knew from before a restart of the agent, in its recorded state. */
  private resume(target: ProbeTarget, saved: HealthRecord): void {
    const startedAt = Date.parse(saved.since);
    const state = saved.state === 'none' ? 'starting' : saved.state;
    this.tracked.set(target.name, { target, record: { state, failures: 0, startedAt } });
    if (state === 'healthy') return;
    const left = startedAt + target.spec.health!.startTimeout * 1000 - this.now();
    this.schedule(target.name, Math.max(0, left) + 50, `start_timeout of ${target.name}`);
  }

  /** The runtime says `name` started again (a restart policy, an operator): its state starts afresh. */
  started(name: string): void {
    const t = this.tracked.get(name);
    if (t) this.begin(t.target);
    const s = this.steady.get(name);
    if (s) {
      clearTimeout(s.timer);
      s.timer = this.steadyTimer(s.target);
    }
  }

  /** One probe result of `name` (undefined error: success) for the instance running `hash`. */
  report(name: string, hash: string, error: string | undefined): void {
    const t = this.tracked.get(name);
    if (!t || t.target.hash !== hash) return;
    this.set(t, nextRecord(t.record, t.target.spec.health!, this.now(), error));
  }

  /** A state podman computed itself (a `cmd` probe: it counts retries and start period). */
  reportState(name: string, hash: string, state: 'starting' | 'healthy' | 'unhealthy', error?: string): void {
    const t = this.tracked.get(name);
    if (!t || t.target.hash !== hash) return;
    const failures = state === 'unhealthy' ? t.target.spec.health!.retries : 0;
    this.set(t, { state, failures, startedAt: t.record.startedAt, ...(error ? { lastError: error } : {}) });
  }

  /** An instance running `hash` died on its own: counts towards a crash loop; wakes a pass after the back-off. */
  died(name: string, hash: string): void {
    const s = this.steady.get(name);
    if (s) {
      clearTimeout(s.timer);
      delete s.timer;
    }
    const before = this.deaths.get(name);
    const record = noteDeath(before, hash, this.now());
    this.deaths.set(name, record);
    if (record.loopingSince !== undefined) {
      this.store.recordCrashLoop(name, record);
      if (before?.loopingSince === undefined || before.hash !== hash)
        this.store.addEvent({
          at: new Date(this.now()).toISOString(),
          kind: 'crash-looping',
          name,
          message: `crash-looping: ${record.deaths.length} restarts in 10 min; left stopped until its spec changes or POST /v1/reconcile?retry=${name}`,
          data: { hash, deaths: record.deaths.length },
        });
      this.wake(`crash-looping ${name}`);
      return;
    }
    this.schedule(`backoff:${name}`, backoffMs(record.deaths.length), `runtime die ${name} (after back-off)`);
  }

  /** What a pass may do with `name`, which should run `hash`, after its deaths. */
  gate(name: string, hash: string): RestartGate {
    return restartGate(this.deaths.get(name), hash, this.now());
  }

  /** Forgets the deaths of `name` (a retry asked by an operator): it is started again. */
  retry(name: string): boolean {
    if (this.deaths.get(name)?.loopingSince !== undefined) this.store.recordCrashLoop(name, undefined);
    return this.deaths.delete(name);
  }

  /** Forgets the deaths of `name` when they were of another spec than `hash` (the spec changed). */
  specIs(name: string, hash: string): void {
    const record = this.deaths.get(name);
    if (!record || record.hash === hash) return;
    this.deaths.delete(name);
    if (record.loopingSince !== undefined) this.store.recordCrashLoop(name, undefined);
  }

  /** Stops every timer (the agent is stopping). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.steady.values()) clearTimeout(s.timer);
    this.steady.clear();
  }

  private begin(target: ProbeTarget): void {
    const record = freshRecord(this.now());
    const previous = this.tracked.get(target.name);
    this.tracked.set(target.name, { target, record });
    if (previous?.record.state !== 'starting' || previous.target.hash !== target.hash)
      this.persist(target, record);
    const timeout = target.spec.health!.startTimeout * 1000;
    this.schedule(target.name, timeout + 50, `start_timeout of ${target.name}`);
  }

  private set(t: Tracked, next: ProbeRecord): void {
    const before = t.record.state;
    t.record = next;
    if (next.state === before) return;
    this.persist(t.target, next);
    if (before === 'healthy' && next.state === 'unhealthy') {
      t.turned = true;
      // Counted as a death: the restart it needs waits for the back-off, and enough of them are a crash loop.
      this.died(t.target.name, t.target.hash);
      return;
    }
    if (next.state === 'healthy') {
      this.clearTimer(t.target.name);
      this.store.setLastHealthy(healthySpec(t.target));
    }
    this.wake(`health ${t.target.name} ${next.state}`);
  }

  private persist(target: ProbeTarget, record: ProbeRecord): void {
    const health: HealthRecord = {
      state: record.state,
      since: new Date(this.now()).toISOString(),
      hash: target.hash,
      ...(record.lastError ? { reason: record.lastError } : {}),
    };
    this.store.recordHealth(target.name, health);
    this.store.addEvent({
      at: health.since,
      kind: record.state,
      name: target.name,
      message: record.lastError ? `${record.state}: ${record.lastError}` : record.state,
      data: { hash: target.hash, ...(target.revision ? { revision: target.revision } : {}) },
    });
  }

  private schedule(key: string, ms: number, reason: string): void {
    this.clearTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.wake(reason);
    }, ms);
    timer.unref();
    this.timers.set(key, timer);
  }

  private clearTimer(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }
}

const healthySpec = (t: SteadyTarget): HealthySpec => ({
  name: t.name,
  spec: t.spec,
  hash: t.hash,
  ...(t.imageId ? { imageId: t.imageId } : {}),
  ...(t.revision ? { revision: t.revision } : {}),
});
